from chassis.app import create_service_app
from chassis.config import load_settings

from .api import BLUEPRINTS
from .bootstrap import ports


def create_app(**overrides):
    ports.bootstrap()
    return create_service_app(load_settings("feedback", **overrides), BLUEPRINTS,
                              title="Feedback service",
                              description="Feedback, complaints with SLAs, surveys and satisfaction")
