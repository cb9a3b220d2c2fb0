"""End-to-end: the whole suite as real processes, driven through the gateway."""
import pytest

from tests import support


@pytest.fixture(scope="session")
def suite(servers, tmp_path_factory):
    s = support.Suite(tmp_path_factory.mktemp("suite-logs"))
    try:
        s.start_all()
        yield s
    finally:
        s.stop_all()


@pytest.fixture(scope="session")
def gateway_url(suite):
    return suite.url("gateway")


@pytest.fixture(scope="session")
def admin(gateway_url):
    return support.login(gateway_url, *support.ADMIN)


@pytest.fixture
def manager(admin):
    return support.new_user(admin, "manager")
