"""Integration tests: one service in-process against the real FerretDB and RabbitMQ."""
import threading

import pytest
from werkzeug.serving import make_server

from tests import support


@pytest.fixture(autouse=True, scope="session")
def _servers(servers):
    yield


def _app(service: str, **extra):
    import importlib
    module = importlib.import_module(f"services.{service}.app")
    app = module.create_app(**support.overrides(**({"extra": extra} if extra else {})))
    app.testing = True
    return app


@pytest.fixture(scope="session")
def customer_app():
    return _app("customer")


@pytest.fixture(scope="session")
def customer_url(customer_app):
    """The customer service over real HTTP (engagement and feedback read customers they
    have not heard of yet through it): the session's customer app, served on a free port."""
    server = make_server("127.0.0.1", 0, customer_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def engagement_app(customer_url):
    return _app("engagement", CRM_CUSTOMER_URL=customer_url)


@pytest.fixture(scope="session")
def feedback_app(customer_url):
    return _app("feedback", CRM_CUSTOMER_URL=customer_url)
