"""End-to-end: the whole suite as real processes, driven through the gateway.

The suite itself (`suite`, `gateway_url`, `admin`, `outreach_servers`) is in tests/conftest.py,
shared with the browser tests (tests/browser), so one run starts it once for both."""
import pytest

from tests import support


@pytest.fixture
def manager(admin):
    return support.new_user(admin, "manager")
