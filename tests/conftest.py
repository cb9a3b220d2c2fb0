"""Session-wide: clean up this run's databases and broker objects at the end."""
import pytest


@pytest.fixture(scope="session")
def servers():
    """The real database and broker; fails (never skips) when they are not running."""
    from tests import support
    support.require_servers()
    yield
    support.cleanup_databases()
    support.cleanup_broker()
