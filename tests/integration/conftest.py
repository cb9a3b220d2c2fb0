"""Integration tests: one service in-process against the real FerretDB and RabbitMQ."""
import pytest

from tests import support


@pytest.fixture(autouse=True, scope="session")
def _servers(servers):
    yield


def _app(service: str):
    import importlib
    module = importlib.import_module(f"services.{service}.app")
    app = module.create_app(**support.overrides())
    app.testing = True
    return app


@pytest.fixture(scope="session")
def customer_app():
    return _app("customer")


@pytest.fixture(scope="session")
def engagement_app():
    return _app("engagement")


@pytest.fixture(scope="session")
def feedback_app():
    return _app("feedback")
