from chassis.app import create_service_app
from chassis.config import load_settings

from . import api


def create_app(**overrides):
    return create_service_app(load_settings("customer", **overrides), [api.blp],
                              title="Customer service", description="Customer archive (客户档案)")
