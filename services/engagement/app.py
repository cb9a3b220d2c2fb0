from chassis.app import create_service_app
from chassis.config import load_settings

from . import api
from .bootstrap import ports


def create_app(**overrides):
    ports.bootstrap()
    return create_service_app(load_settings("engagement", **overrides), api.BLUEPRINTS,
                              title="Engagement service",
                              description="Interactions, cadence, visits, care, gifts, activities")
