"""gunicorn entry point: ``gunicorn services.engagement.wsgi:app``."""
from chassis.config import or_exit

from .app import create_app

app = or_exit(create_app)
