"""End-to-end: the whole suite as real processes, driven through the gateway."""
import pytest

from tests import support


@pytest.fixture(scope="session")
def outreach_servers():
    """A real SMTP server and the SMS/WeChat provider sandbox the suite's outreach sends to."""
    from tests.outreach_servers import Sandbox, SmtpServer
    with SmtpServer(support.free_port(18025)) as smtp, Sandbox(support.free_port(18090)) as sandbox:
        yield smtp, sandbox


@pytest.fixture(scope="session")
def suite(servers, outreach_servers, tmp_path_factory):
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
    return support.login(gateway_url, *support.ADMIN)


@pytest.fixture
def manager(admin):
    return support.new_user(admin, "manager")
