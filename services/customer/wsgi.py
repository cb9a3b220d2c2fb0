"""gunicorn entry point: ``gunicorn services.customer.wsgi:app``."""
from .app import create_app

app = create_app()
