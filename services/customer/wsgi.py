"""gunicorn entry point: ``gunicorn services.customer.wsgi:app``."""
from chassis.config import or_exit

from .app import create_app

app = or_exit(create_app)
