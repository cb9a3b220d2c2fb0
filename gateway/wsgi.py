"""gunicorn entry point: ``gunicorn gateway.wsgi:app``."""
from chassis.config import or_exit

from .app import create_app

app = or_exit(create_app)
