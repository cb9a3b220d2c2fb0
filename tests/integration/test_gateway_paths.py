"""What the gateway forwards, byte for byte: dot segments and ids sent by clients must not
move a request to another route or another service path (issue #9).

The gateway runs in-process on the real database in front of stand-in services that
record the raw request line they received (werkzeug's RAW_URI), so the test sees
exactly what went over the wire.
"""
import threading
import uuid

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from gateway.app import create_app
from tests import support
from tests.integration.test_gateway_http import bearer, login, make_user

ADMIN = ("paths-admin-" + uuid.uuid4().hex[:6], "paths-admin-password-long")


class Recorder:
    def __init__(self, name):
        self.seen = []     # (method, raw request target, decoded path, query args)
        app = Flask(name)

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        def any_(path):
            self.seen.append((request.method, request.environ.get("RAW_URI"), request.path, dict(request.args)))
            return jsonify({"id": path.rsplit("/", 1)[-1]}), 200

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def raw(self):
        return [s[1] for s in self.seen]


@pytest.fixture(scope="module")
def ups():
    u = {s: Recorder(s) for s in ("customer", "engagement", "feedback")}
    yield u
    for x in u.values():
        x.server.shutdown()


@pytest.fixture(scope="module")
def gw(ups):
    app = create_app(**support.overrides(), extra={
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1], "CRM_JWT_SECRET": support.SECRET + "-jwt-paths",
        **{f"CRM_{s.upper()}_URL": u.url for s, u in ups.items()}})
    app.testing = True
    return app


@pytest.fixture(scope="module")
def manager_h(gw):
    admin_h = bearer(login(gw.test_client(), *ADMIN)["access_token"])
    return make_user(gw, admin_h, "manager")[1]


@pytest.fixture(autouse=True)
def _fresh(ups):
    for u in ups.values():
        u.seen.clear()


# --- dot segments ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/engagement/gifts/x/issues/../../../budgets",
    "/api/v1/engagement/gifts/x/issues/%2e%2e/%2E%2E/%2e%2e/budgets",
    "/api/v1/engagement/gifts/x/issues/..%2f..%2F..%2fbudgets",
    "/api/v1/engagement/gifts/x/issues/./../../.././budgets",
    "/api/v1/engagement//budgets",
])
def test_a_manager_cannot_reach_an_admin_only_write_through_dot_segments(gw, ups, manager_h, path):
    r = gw.test_client().post(path, json={"branch": "b1", "period": "2026", "amount_cents": 1}, headers=manager_h)
    assert r.status_code == 403 and r.mimetype == "application/problem+json", r.get_json()
    assert "admin" in r.get_json()["detail"]
    assert ups["engagement"].seen == []          # refused before anything was forwarded


def test_the_forwarded_path_is_the_normalised_one(gw, ups, manager_h):
    c = gw.test_client()
    assert c.get("/api/v1/customers/c9/history/../../c1", headers=manager_h).status_code == 200
    assert c.get("/api/v1/engagement/x/%2e%2e/interactions", headers=manager_h).status_code == 200
    assert c.get("/api/v1/customers//c2", headers=manager_h).status_code == 200
    assert ups["customer"].raw() == ["/api/v1/customers/c1", "/api/v1/customers/c2"]
    assert ups["engagement"].raw() == ["/api/v1/engagement/interactions"]


def test_dot_segments_cannot_leave_the_service_prefix(gw, ups, manager_h):
    # /customers/../users is the gateway's admin-only user list, not something to forward
    r = gw.test_client().get("/api/v1/customers/../users", headers=manager_h)
    assert r.status_code == 403
    assert ups["customer"].seen == []


# --- ids in composed views ------------------------------------------------------------

@pytest.mark.parametrize("sent, wire", [
    ("c1%3Fmanager_id%3Dm2", "c1%3Fmanager_id%3Dm2"),     # a?b=c: not a query string upstream
    ("c1%23frag", "c1%23frag"),                           # not a fragment (which would be dropped)
    ("c1%25252e", "c1%25252e"),                           # a percent sign stays a percent sign
    ("%E5%AE%A2%E6%88%B71", "%E5%AE%A2%E6%88%B71"),       # 客户1
])
def test_customer_360_sends_the_id_as_one_encoded_segment(gw, ups, manager_h, sent, wire):
    r = gw.test_client().get(f"/api/v1/views/customer-360/{sent}", headers=manager_h)
    assert r.status_code == 200, r.get_json()
    assert sorted(ups["customer"].raw()) == [f"/api/v1/customers/{wire}", f"/api/v1/customers/{wire}/opportunities",
                                             f"/api/v1/customers/{wire}/picture"]
    assert ups["engagement"].raw() == [f"/api/v1/engagement/customers/{wire}/summary"]
    assert ups["feedback"].raw() == [f"/api/v1/feedback/customers/{wire}/summary"]
    assert all(s[3] == {} for u in ups.values() for s in u.seen)     # no query smuggled in
