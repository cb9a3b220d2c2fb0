from chassis.app import create_service_app
from chassis.config import load_settings


def create_app(**overrides):
    return create_service_app(load_settings("feedback", **overrides), [],
                              title="Feedback service",
                              description="Feedback, complaints with SLAs, surveys and satisfaction")
