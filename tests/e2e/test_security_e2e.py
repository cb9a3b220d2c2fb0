"""Issue #9 through the running suite: what an insider could do, and now cannot."""
from chassis import identity as ident
from chassis.config import DEV_SECRET

from tests import support


def test_development_secret_cannot_forge_a_caller_at_a_service_port(suite):
    """The suite starts as a deployment does (no CRM_DEV_MODE, random secrets): the public
    development secret signs nothing a service accepts."""
    forged = ident.issue(ident.Identity(user_id="x", role=ident.ADMIN), DEV_SECRET, ttl=60)
    r = support.requests.get(suite.url("customer") + "/api/v1/customers", headers={ident.HEADER: forged}, timeout=10)
    assert r.status_code == 401, r.text


def test_no_http_caller_is_system_even_with_a_valid_signature(suite):
    token = ident.issue(ident.Identity(user_id="system:customer", role=ident.SYSTEM), support.SECRET, ttl=60)
    for name in ("customer", "engagement", "feedback"):
        r = support.requests.get(suite.url(name) + "/api/v1/audit", headers={ident.HEADER: token}, timeout=10)
        assert r.status_code == 401, (name, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
