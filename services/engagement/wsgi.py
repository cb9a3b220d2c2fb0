"""gunicorn entry point: ``gunicorn services.engagement.wsgi:app``."""
from .app import create_app

app = create_app()
