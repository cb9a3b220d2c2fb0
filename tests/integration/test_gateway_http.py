"""The gateway in-process on the real database, in front of small stand-in services.

The stand-ins are real HTTP servers (werkzeug, in threads) whose answers and delays
each test sets, so timeouts, outages and parallel fan-out can be shown exactly.
The real services behind the real gateway are covered by tests/e2e/test_gateway_*.
"""
import hashlib
import threading
import time
import uuid

import jwt
import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from chassis import identity as ident
from gateway import tokens
from gateway.app import create_app
from tests import support

ADMIN = ("gw-admin-" + uuid.uuid4().hex[:6], "gw-admin-password-long")
JWT_SECRET = support.SECRET + "-jwt-integration"
TIMEOUT = 0.6


class Upstream:
    """A stand-in service: routes answer what the test put in ``answers``."""

    def __init__(self, name):
        self.name = name
        self.answers = {}        # path -> (status, body, delay)
        self.seen = []           # (path, args, identity, started)
        self.bodies = {}
        app = Flask(name)

        @app.route("/<path:path>", methods=["GET", "POST", "PUT"])
        def any_(path):
            path = "/" + path
            who = request.headers.get(ident.HEADER)
            self.seen.append((path, dict(request.args), ident.verify(who, support.SECRET) if who else None,
                              time.monotonic()))
            if request.method in ("POST", "PUT"):
                h, n = hashlib.sha256(), 0
                while chunk := request.stream.read(65536):
                    h.update(chunk)
                    n += len(chunk)
                self.bodies[path] = (n, h.hexdigest())
            status, body, delay = self.answers.get(path, (404, {"title": "Not found"}, 0))
            if isinstance(delay, threading.Barrier):
                try:  # answer only once every call sharing the barrier is in flight
                    delay.wait(timeout=5)
                except threading.BrokenBarrierError:
                    return jsonify({"title": "calls were not concurrent"}), 503
            else:
                time.sleep(delay)
            return jsonify(body), status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path, body, status=200, delay=0.0):
        self.answers[path] = (status, body, delay)


@pytest.fixture(scope="module")
def ups():
    u = {s: Upstream(s) for s in ("customer", "engagement", "feedback")}
    yield u
    for x in u.values():
        x.server.shutdown()


def _dead_url():
    return f"http://127.0.0.1:{support.free_port(1)}"   # nothing listens there


@pytest.fixture(scope="module")
def gw(ups):
    app = create_app(**support.overrides(), extra={
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1], "CRM_JWT_SECRET": JWT_SECRET,
        "CRM_UPSTREAM_TIMEOUT": str(TIMEOUT), "CRM_CORS_ORIGINS": "https://crm.example.com",
        **{f"CRM_{s.upper()}_URL": u.url for s, u in ups.items()}})
    app.testing = True
    return app


def login(client, username, password):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture(scope="module")
def admin_h(gw):
    return bearer(login(gw.test_client(), *ADMIN)["access_token"])


def make_user(gw, admin_h, role, **kw):
    c = gw.test_client()
    name, pw = f"{role}-{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    r = c.post("/api/v1/users", json={"username": name, "password": pw, "role": role, **kw}, headers=admin_h)
    assert r.status_code == 201, r.get_json()
    user = r.get_json()
    return user, bearer(login(c, name, pw)["access_token"]), pw


# --- authentication ------------------------------------------------------------------

def test_login_is_throttled_with_retry_after_and_a_burst_gets_no_extra_guesses(gw, admin_h):
    user, _, pw = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    results = []

    def guess():
        results.append(gw.test_client().post("/api/v1/auth/login",
                                             json={"username": user["username"], "password": "wrong-password"}))
    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes.count(401) <= 5 and codes.count(429) >= 7, codes
    r = c.post("/api/v1/auth/login", json={"username": user["username"], "password": pw})
    assert r.status_code == 429                        # even the right password waits
    assert r.content_type == "application/problem+json"
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    # another username from the same address is unaffected
    other, _, other_pw = make_user(gw, admin_h, "manager")
    assert c.post("/api/v1/auth/login", json={"username": other["username"], "password": other_pw}).status_code == 200


def test_login_input_is_validated(gw):
    r = gw.test_client().post("/api/v1/auth/login", json={"username": "x"})
    assert r.status_code == 422 and "password" in r.get_json()["errors"]


def test_refresh_rotates_and_each_refresh_token_works_once(gw, admin_h):
    user, _, pw = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    toks = login(c, user["username"], pw)
    r = c.post("/api/v1/auth/refresh", json={"refresh_token": toks["refresh_token"]})
    assert r.status_code == 200
    assert c.get("/api/v1/me", headers=bearer(r.get_json()["access_token"])).get_json()["id"] == user["id"]
    again = c.post("/api/v1/auth/refresh", json={"refresh_token": toks["refresh_token"]})
    assert again.status_code == 401 and "already used" in again.get_json()["detail"]
    # a refresh token is not an access token, nor the other way round
    assert c.get("/api/v1/me", headers=bearer(r.get_json()["refresh_token"])).status_code == 401
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": toks["access_token"]}).status_code == 401


def test_expired_and_tampered_tokens_are_401(gw, admin_h):
    user, h, _ = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    u = type("U", (), {"id": user["id"], "role": "manager"})
    expired = tokens.issue(u, JWT_SECRET, -1)
    r = c.get("/api/v1/me", headers=bearer(expired))
    assert r.status_code == 401 and r.get_json()["detail"] == "Token expired."
    good = h["Authorization"][7:]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode({**claims, "sub": "someone-else"}, "not-the-secret-but-long-enough-for-hs256",
                        algorithm="HS256")
    head, body, sig = good.split(".")
    swapped = ".".join([head, forged.split(".")[1], sig])      # their payload, our signature
    for bad in (forged, swapped, good + "x", "garbage"):
        assert c.get("/api/v1/me", headers=bearer(bad)).status_code == 401
    assert c.get("/api/v1/me", headers=h).status_code == 200


# --- user administration -------------------------------------------------------------

def test_admin_manages_users_and_a_deactivated_user_is_locked_out(gw, admin_h):
    c = gw.test_client()
    m1, m1_h, m1_pw = make_user(gw, admin_h, "manager")
    sup, _, _ = make_user(gw, admin_h, "supervisor")
    r = c.put(f"/api/v1/users/{sup['id']}/team", json={"team": [m1["id"], "nobody"]}, headers=admin_h)
    assert r.status_code == 422 and "team" in r.get_json()["errors"]
    assert c.get(f"/api/v1/users/{sup['id']}", headers=admin_h).get_json()["team"] == []   # nothing written
    r = c.put(f"/api/v1/users/{sup['id']}/team", json={"team": [m1["id"]]}, headers=admin_h)
    assert r.status_code == 200 and r.get_json()["team"] == [m1["id"]]
    assert c.put(f"/api/v1/users/{m1['id']}/team", json={"team": []}, headers=admin_h).status_code == 409
    assert c.put(f"/api/v1/users/{uuid.uuid4()}/team", json={"team": []}, headers=admin_h).status_code == 404

    # list, paged, no password hashes
    page1 = c.get("/api/v1/users?limit=1", headers=admin_h).get_json()
    assert len(page1["items"]) == 1 and page1["next_cursor"] and "password_hash" not in page1["items"][0]
    page2 = c.get(f"/api/v1/users?limit=1&cursor={page1['next_cursor']}", headers=admin_h).get_json()
    assert page2["items"][0]["username"] > page1["items"][0]["username"]
    assert c.get("/api/v1/users", headers=m1_h).status_code == 403

    assert c.post(f"/api/v1/users/{m1['id']}/deactivate", headers=admin_h).get_json()["active"] is False
    assert c.get("/api/v1/me", headers=m1_h).status_code == 401
    assert c.post("/api/v1/auth/login", json={"username": m1["username"], "password": m1_pw}).status_code == 401
    assert c.post(f"/api/v1/users/{m1['id']}/activate", headers=admin_h).status_code == 200
    assert c.get("/api/v1/me", headers=m1_h).status_code == 401      # old tokens stay dead
    again = c.post("/api/v1/auth/login", json={"username": m1["username"], "password": m1_pw})
    assert again.status_code == 200


def test_branch_admin_sees_only_their_branch(gw, admin_h):
    c = gw.test_client()
    branch_admin, ba_h, _ = make_user(gw, admin_h, "admin", branch="b-" + uuid.uuid4().hex[:6])
    outsider, _, _ = make_user(gw, admin_h, "manager", branch="elsewhere")
    assert c.get(f"/api/v1/users/{outsider['id']}", headers=ba_h).status_code == 404
    assert c.post(f"/api/v1/users/{outsider['id']}/deactivate", headers=ba_h).status_code == 404
    r = c.post("/api/v1/users", json={"username": "x" + uuid.uuid4().hex[:8], "password": "p" * 12,
                                      "role": "manager", "branch": "elsewhere"}, headers=ba_h)
    assert r.status_code == 403
    mine, _, _ = make_user(gw, ba_h, "manager")
    assert mine["branch"] == branch_admin["branch"]
    listed = c.get("/api/v1/users?limit=200", headers=ba_h).get_json()["items"]
    assert {u["branch"] for u in listed} == {branch_admin["branch"]}


# --- routing and pass-through --------------------------------------------------------

def test_pass_through_forwards_identity_ids_and_streams_big_uploads(gw, ups, admin_h):
    user, h, _ = make_user(gw, admin_h, "manager")
    ups["customer"].answer("/api/v1/imports", {"id": "imp1"}, status=202)
    body = (b"name,mobile\n" + b"x" * 3_000_000)
    r = gw.test_client().post("/api/v1/imports", data=body, headers={**h, "Content-Type": "text/csv",
                                                                      "X-Request-ID": "rid-123"})
    assert r.status_code == 202 and r.get_json() == {"id": "imp1"}
    assert ups["customer"].bodies["/api/v1/imports"] == (len(body), hashlib.sha256(body).hexdigest())
    path, _, who, _ = ups["customer"].seen[-1]
    assert who.user_id == user["id"] and who.role == "manager"
    assert r.headers["X-Request-ID"] == "rid-123"
    for prefix, service in (("managers", "customer"), ("tiers", "customer"), ("risk", "customer"),
                            ("engagement", "engagement"), ("feedback", "feedback")):
        ups[service].answer(f"/api/v1/{prefix}/ping", {"from": service})
        got = gw.test_client().get(f"/api/v1/{prefix}/ping", headers=h)
        assert got.status_code == 200 and got.get_json() == {"from": service}, prefix


def test_unmask_purpose_reaches_services_only_for_users_allowed_to_unmask(gw, ups, admin_h):
    _, plain_h, _ = make_user(gw, admin_h, "manager")
    _, right_h, _ = make_user(gw, admin_h, "manager", can_unmask=True)
    ups["customer"].answer("/api/v1/customers/c-x", {"id": "c-x"})
    c = gw.test_client()
    for h, expected in ((plain_h, False), (right_h, True)):
        c.get("/api/v1/customers/c-x", headers={**h, "X-Unmask-Purpose": "KYC review"})
        assert ups["customer"].seen[-1][2].may_unmask is expected
    c.get("/api/v1/customers/c-x", headers=right_h)          # the right without a purpose is not enough
    assert ups["customer"].seen[-1][2].may_unmask is False


# --- composed views ------------------------------------------------------------------

def test_customer_360_fans_out_in_parallel(gw, ups, admin_h):
    _, h, _ = make_user(gw, admin_h, "manager")
    cid = uuid.uuid4().hex
    # Each upstream answers only when all three calls are in flight at once: called one
    # after another, the first would wait in vain and its part would be missing. A proof
    # of parallel fan-out that does not depend on how busy the machine is.
    together = threading.Barrier(5)
    ups["customer"].answer(f"/api/v1/customers/{cid}", {"id": cid, "tier": "gold", "risk_level": "C2",
                                                         "risk_valid_until": "2027-03-01"}, delay=together)
    ups["engagement"].answer(f"/api/v1/engagement/customers/{cid}/summary",
                             {"recent_interactions": [{"id": "i1"}], "recent_visits": [], "upcoming_care": []},
                             delay=together)
    ups["feedback"].answer(f"/api/v1/feedback/customers/{cid}/summary",
                           {"open_complaints": [], "latest_satisfaction": {"csat": 5}}, delay=together)
    ups["customer"].answer(f"/api/v1/customers/{cid}/picture", {"customer_id": cid}, delay=together)
    ups["customer"].answer(f"/api/v1/customers/{cid}/opportunities", [], delay=together)
    settings = gw.config["CRM_SETTINGS"]
    saved = settings.extra.get("CRM_UPSTREAM_TIMEOUT")
    settings.extra["CRM_UPSTREAM_TIMEOUT"] = "10"  # the barrier, not the timeout, decides
    try:
        r = gw.test_client().get(f"/api/v1/views/customer-360/{cid}", headers=h)
    finally:
        settings.extra["CRM_UPSTREAM_TIMEOUT"] = saved
    v = r.get_json()
    assert r.status_code == 200 and v["missing"] == [], v
    assert v["tier"] == "gold" and v["recent_interactions"] == [{"id": "i1"}]
    assert v["latest_satisfaction"] == {"csat": 5}


def test_customer_360_with_a_slow_and_a_dead_service_answers_in_time(gw, ups, admin_h):
    _, h, _ = make_user(gw, admin_h, "manager")
    cid = uuid.uuid4().hex
    ups["customer"].answer(f"/api/v1/customers/{cid}", {"id": cid, "tier": "standard"})
    ups["customer"].answer(f"/api/v1/customers/{cid}/picture", {"customer_id": cid})
    ups["customer"].answer(f"/api/v1/customers/{cid}/opportunities", [])
    ups["engagement"].answer(f"/api/v1/engagement/customers/{cid}/summary", {}, delay=3)
    settings = gw.config["CRM_SETTINGS"]
    saved = settings.extra["CRM_FEEDBACK_URL"]
    settings.extra["CRM_FEEDBACK_URL"] = _dead_url()
    try:
        t0 = time.monotonic()
        r = gw.test_client().get(f"/api/v1/views/customer-360/{cid}", headers=h)
        elapsed = time.monotonic() - t0
    finally:
        settings.extra["CRM_FEEDBACK_URL"] = saved
    assert r.status_code == 200 and r.get_json()["tier"] == "standard"
    assert elapsed < TIMEOUT + 0.6, elapsed
    reasons = {m["service"]: m["reason"] for m in r.get_json()["missing"]}
    assert reasons == {"engagement": "timeout", "feedback": "unavailable"}
    assert _metric(gw, "crm_upstream_requests_total", service="engagement", outcome="timeout") >= 1
    assert _metric(gw, "crm_upstream_requests_total", service="feedback", outcome="unavailable") >= 1
    assert _metric(gw, "crm_upstream_requests_total", service="customer", outcome="ok") >= 1


def test_customer_360_is_404_when_the_customer_service_hides_it(gw, ups, admin_h):
    _, h, _ = make_user(gw, admin_h, "manager")
    r = gw.test_client().get(f"/api/v1/views/customer-360/{uuid.uuid4().hex}", headers=h)
    assert r.status_code == 404 and r.content_type == "application/problem+json"


def test_worklist_scope_and_one_batch_call_per_service(gw, ups, admin_h):
    m1, m1_h, _ = make_user(gw, admin_h, "manager")
    m2, m2_h, _ = make_user(gw, admin_h, "manager")
    sup, sup_h, _ = make_user(gw, admin_h, "supervisor", team=[m1["id"]])
    ups["customer"].answer("/api/v1/customers/worklist",
                           {"risk_expiring": [{"customer_id": "c"}], "reverification_due": []})
    ups["engagement"].answer("/api/v1/engagement/worklist", {"greetings_due": [], "contacts_due": [{"c": 1}],
                                                             "contacts_overdue": [], "visits_planned": [],
                                                             "account_reminders": []})
    ups["feedback"].answer("/api/v1/feedback/worklist", {"complaints_near_breach": [], "complaints_breached": []},
                           status=500)
    ups["customer"].answer("/api/v1/opportunities/worklist", {"opportunities_open": [], "churn_signals": []})
    c = gw.test_client()
    r = c.get("/api/v1/views/worklist?date=2026-06-01", headers=m1_h)
    v = r.get_json()
    assert r.status_code == 200 and v["manager_id"] == m1["id"] and v["date"] == "2026-06-01"
    assert v["risk_expiring"] == [{"customer_id": "c"}] and v["contacts_due"] == [{"c": 1}]
    assert v["missing"] == [{"part": "feedback", "service": "feedback", "reason": "error 500",
                             "fields": ["complaints_near_breach", "complaints_breached", "follow_up_surveys"]}]
    seen = [s for u in ups.values() for s in u.seen
            if s[0].endswith("/worklist") and s[1].get("manager_id") == m1["id"]]
    assert len(seen) == 4 and all(s[1]["date"] == "2026-06-01" for s in seen)
    assert c.get(f"/api/v1/views/worklist?manager_id={m2['id']}", headers=m1_h).status_code == 404
    assert c.get(f"/api/v1/views/worklist?manager_id={m2['id']}", headers=sup_h).status_code == 404
    assert c.get(f"/api/v1/views/worklist?manager_id={m1['id']}", headers=sup_h).get_json()["manager_id"] == m1["id"]
    assert c.get(f"/api/v1/views/worklist?manager_id={m2['id']}", headers=admin_h).status_code == 200
    bad = c.get("/api/v1/views/worklist?date=2026-13-01", headers=m1_h)
    assert bad.status_code == 422 and "date" in bad.get_json()["errors"]


def test_team_dashboard_for_a_supervisor_is_their_team(gw, ups, admin_h):
    m1, _, _ = make_user(gw, admin_h, "manager")
    m2, _, _ = make_user(gw, admin_h, "manager")
    outsider, _, _ = make_user(gw, admin_h, "manager")
    _, sup_h, _ = make_user(gw, admin_h, "supervisor", team=[m1["id"], m2["id"]])
    ups["customer"].answer("/api/v1/customers/stats", {"tier_distribution": {"gold": 2},
                                                       "per_manager": {m1["id"]: {"customers": 2}}})
    ups["engagement"].answer("/api/v1/engagement/stats", {"contact_coverage": {"overall": 0.5, "per_manager": {}},
                                                          "activities": [], "per_manager": {}})
    ups["feedback"].answer("/api/v1/feedback/stats", {"complaint_sla": {"open": 0}, "satisfaction_trend": [],
                                                      "per_manager": {}}, delay=3)
    ups["customer"].answer("/api/v1/opportunities/stats", {"conversion": {}, "retention": {}, "churn_signals": 0,
                                                           "per_manager": {}})
    c = gw.test_client()
    r = c.get("/api/v1/views/team-dashboard?from=2026-01-01&to=2026-03-31", headers=sup_h)
    v = r.get_json()
    assert r.status_code == 200 and v["manager_ids"] == [m1["id"], m2["id"]]
    assert v["tier_distribution"] == {"gold": 2} and v["contact_coverage"]["overall"] == 0.5
    assert v["per_manager"][m1["id"]]["customer"] == {"customers": 2}
    assert v["per_manager"][m1["id"]]["username"] == m1["username"]
    assert [m["reason"] for m in v["missing"]] == ["timeout"]
    stats_calls = [s for s in ups["customer"].seen if s[0] == "/api/v1/customers/stats"]
    assert stats_calls[-1][1] == {"manager_ids": f"{m1['id']},{m2['id']}", "from": "2026-01-01", "to": "2026-03-31"}
    assert c.get(f"/api/v1/views/team-dashboard?manager_ids={outsider['id']}", headers=sup_h).status_code == 404
    bad = c.get("/api/v1/views/team-dashboard?from=2026-05-01&to=2026-01-01", headers=sup_h)
    assert bad.status_code == 422 and "from" in bad.get_json()["errors"]
    r = c.get(f"/api/v1/views/team-dashboard?manager_ids={outsider['id']}", headers=admin_h)
    assert r.status_code == 200 and r.get_json()["manager_ids"] == [outsider["id"]]


def test_audit_is_merged_from_every_service_for_auditors_only(gw, ups, admin_h):
    _, aud_h, _ = make_user(gw, admin_h, "auditor")
    _, man_h, _ = make_user(gw, admin_h, "manager")
    ups["customer"].answer("/api/v1/audit", [{"at": "2026-01-02T10:00:00+00:00", "action": "read_unmasked",
                                              "customer_id": "c1"}])
    ups["engagement"].answer("/api/v1/audit", [{"at": "2026-01-03T10:00:00+00:00", "action": "update",
                                                "customer_id": "c1"}])
    ups["feedback"].answer("/api/v1/audit", [])
    c = gw.test_client()
    r = c.get("/api/v1/audit?customer_id=c1&limit=10", headers=aud_h)
    assert r.status_code == 200
    assert [(e["service"], e["action"]) for e in r.get_json()["items"]] == [("engagement", "update"),
                                                                             ("customer", "read_unmasked")]
    assert ups["feedback"].seen[-1][1] == {"customer_id": "c1", "limit": "10"}
    assert c.get("/api/v1/audit?customer_id=c1", headers=man_h).status_code == 403
    assert c.get("/api/v1/audit?limit=0", headers=aud_h).status_code == 422


# --- OpenAPI, docs, CORS -------------------------------------------------------------

def test_openapi_merges_services_and_docs_work_offline(gw, ups):
    ups["customer"].answer("/api/openapi.json", {"openapi": "3.0.3", "paths": {"/api/v1/customers": {"get": {
        "responses": {"200": {"description": "ok"}}}}}, "components": {"schemas": {}}})
    c = gw.test_client()
    spec = c.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/customers" in spec["paths"] and "/api/v1/views/customer-360/{customer_id}" in spec["paths"]
    assert spec["paths"]["/api/v1/customers"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    page = c.get("/api/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page
    assert "http" not in page.split("<script>")[0].lower().replace("<!doctype html>", "")
    asset = c.get("/api/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.get_data()) > 100_000


def test_cors_allows_configured_origins_only(gw):
    c = gw.test_client()
    pre = c.open("/api/v1/customers", method="OPTIONS", headers={
        "Origin": "https://crm.example.com", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization, X-Unmask-Purpose"})
    assert pre.headers.get("Access-Control-Allow-Origin") == "https://crm.example.com"
    assert "x-unmask-purpose" in pre.headers.get("Access-Control-Allow-Headers", "").lower()
    other = c.open("/api/v1/customers", method="OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_unknown_routes_and_methods_are_problems(gw, admin_h):
    c = gw.test_client()
    r = c.get("/api/v1/nowhere", headers=admin_h)
    assert r.status_code == 404 and r.content_type == "application/problem+json"
    assert c.delete("/api/v1/me", headers=admin_h).status_code == 405
    assert c.get("/api/v1/customers").status_code == 401


def _metric(gw, name, **labels):
    return support.sample(gw.test_client().get("/metrics").get_data(as_text=True), name, **labels)


def test_pass_through_to_a_slow_or_dead_service_is_a_problem_not_a_hang(gw, ups, admin_h):
    _, h, _ = make_user(gw, admin_h, "manager")
    ups["feedback"].answer("/api/v1/feedback/slow", {}, delay=3)
    c = gw.test_client()
    counted = {o: _metric(gw, "crm_upstream_requests_total", service="feedback", outcome=o)
               for o in ("timeout", "unavailable")}
    routed = _metric(gw, "crm_http_requests_total", method="GET", route="/api/v1/feedback/<path:rest>", status="504")
    t0 = time.monotonic()
    r = c.get("/api/v1/feedback/slow", headers=h)
    assert r.status_code == 504 and r.content_type == "application/problem+json"
    assert time.monotonic() - t0 < TIMEOUT + 0.5
    settings = gw.config["CRM_SETTINGS"]
    saved = settings.extra["CRM_FEEDBACK_URL"]
    settings.extra["CRM_FEEDBACK_URL"] = _dead_url()
    try:
        r = c.get("/api/v1/feedback/anything", headers=h)
    finally:
        settings.extra["CRM_FEEDBACK_URL"] = saved
    assert r.status_code == 503 and r.get_json()["type"].endswith("/upstream-unavailable")
    # both counted for the operator, the pass-through under its public prefix, not its path
    for outcome in ("timeout", "unavailable"):
        assert _metric(gw, "crm_upstream_requests_total", service="feedback", outcome=outcome) == counted[outcome] + 1
    assert _metric(gw, "crm_http_requests_total", method="GET", route="/api/v1/feedback/<path:rest>",
                   status="504") == routed + 1


def test_team_dashboard_of_an_empty_team_asks_nobody(gw, ups, admin_h):
    _, sup_h, _ = make_user(gw, admin_h, "supervisor")
    before = sum(len(u.seen) for u in ups.values())
    r = gw.test_client().get("/api/v1/views/team-dashboard", headers=sup_h)
    v = r.get_json()
    assert r.status_code == 200 and v["manager_ids"] == [] and v["missing"] == []
    assert v["tier_distribution"] == {} and v["per_manager"] == {}
    assert sum(len(u.seen) for u in ups.values()) == before
