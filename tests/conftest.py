"""Session-wide: the real servers (cleaned up at the end) and the whole suite as processes,
shared by the end-to-end tests (tests/e2e) and the browser tests (tests/browser)."""
import pytest


@pytest.fixture(scope="session")
def servers():
    """The real database and broker; fails (never skips) when they are not running."""
    from tests import support
    support.require_servers()
    yield
    support.cleanup_databases()
    support.cleanup_broker()


@pytest.fixture(scope="session")
def outreach_servers():
    """A real SMTP server and the SMS/WeChat provider sandbox the suite's outreach sends to."""
    from tests import support
    from tests.outreach_servers import Sandbox, SmtpServer
    with SmtpServer(support.free_port(18025)) as smtp, Sandbox(support.free_port(18090)) as sandbox:
        yield smtp, sandbox


@pytest.fixture(scope="session")
def suite(servers, outreach_servers, tmp_path_factory):
    from tests import support
    smtp, sandbox = outreach_servers
    s = support.Suite(tmp_path_factory.mktemp("suite-logs"))
    s.env.update({"CRM_SMTP_PORT": str(smtp.port), "CRM_SMS_URL": sandbox.url, "CRM_WECHAT_URL": sandbox.url,
                  "CRM_OUTREACH_CALLBACK_TOKEN": support.OUTREACH_CALLBACK_TOKEN,
                  "CRM_PUBLIC_URL": s.url("gateway")})
    sandbox.callback = (s.url("gateway") + "/api/v1/engagement/outreach/callbacks", support.OUTREACH_CALLBACK_TOKEN)
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
    from tests import support
    return support.login(gateway_url, *support.ADMIN)
