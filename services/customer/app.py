from chassis.app import create_service_app
from chassis.config import load_settings

from .api import BLUEPRINTS
from .bootstrap import ports


def create_app(document_only: bool = False, **overrides):
    ports.bootstrap()
    return create_service_app(load_settings("customer", **overrides), BLUEPRINTS,
                              title="Customer service", description="Customer archive (客户档案)",
                              bulk_paths=("/api/v1/imports",), document_only=document_only)
