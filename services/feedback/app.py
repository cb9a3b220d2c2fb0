from chassis.app import create_service_app
from chassis.config import load_settings

from .api import BLUEPRINTS
from .bootstrap import ports


def create_app(document_only: bool = False, **overrides):
    ports.bootstrap()
    return create_service_app(load_settings("feedback", **overrides), BLUEPRINTS,
                              title="Feedback service",
                              description="Feedback, complaints with SLAs, surveys and satisfaction",
                              document_only=document_only)
