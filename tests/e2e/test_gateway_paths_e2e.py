"""Raw request targets through the real gateway (gunicorn) to the real services: dot
segments and ids cannot steer a request past the policy or onto another upstream path.

http.client sends the target as written; requests (like browsers) would resolve the
dot segments before sending and hide the problem.
"""
import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests import support


def raw(client, method: str, target: str, body: dict | None = None):
    u = urlsplit(client.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": client.s.headers["Authorization"]}
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, target, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        return r.status, r.getheader("Content-Type"), (json.loads(payload) if payload else None)
    finally:
        conn.close()


@pytest.mark.parametrize("target", [
    "/api/v1/engagement/gifts/x/issues/../../../budgets",
    "/api/v1/engagement/gifts/x/issues/%2e%2e/%2e%2e/%2e%2e/budgets",
    "/api/v1/engagement/gifts/x/issues/..%2f..%2f..%2fbudgets",
])
def test_a_manager_cannot_reach_the_budget_write_through_dot_segments(manager, admin, target):
    # An empty body: had the request reached the budgets handler, its validation would
    # answer 422 before the service's own role check; the gateway's table answers 403.
    status, ctype, body = raw(manager, "POST", target, {})
    assert status == 403, body
    assert ctype == "application/problem+json" and "admin" in body["detail"]
    # the same target is the budgets route for an admin: the path was resolved, not refused
    status, _, body = raw(admin, "POST", target, {})
    assert status == 422 and "branch" in body["errors"], body


@pytest.mark.parametrize("suffix", ["%3Fx%3D1", "%23x"])
def test_customer_360_answers_for_the_id_asked_not_a_prefix_of_it(manager, suffix):
    # The id "<cid>?x=1" is not the customer <cid>: sent unencoded upstream, the "?" would
    # start a query (or "#" a fragment) and the view would show <cid>'s profile.
    cid = support.register_customer(manager)
    assert raw(manager, "GET", f"/api/v1/views/customer-360/{cid}")[0] == 200
    status, ctype, body = raw(manager, "GET", f"/api/v1/views/customer-360/{cid}{suffix}")
    assert status == 404 and ctype == "application/problem+json", body
