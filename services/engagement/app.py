from chassis.app import create_service_app
from chassis.config import load_settings

from . import api
from .bootstrap import ports
from .outreach import keys


def create_app(document_only: bool = False, **overrides):
    ports.bootstrap()
    settings = load_settings("engagement", **overrides)
    keys.configure(settings.internal_secret)
    return create_service_app(settings, api.BLUEPRINTS,
                              title="Engagement service",
                              description="Interactions, cadence, visits, care, gifts, activities",
                              document_only=document_only)
