"""gunicorn entry point: ``gunicorn services.feedback.wsgi:app``."""
from .app import create_app

app = create_app()
