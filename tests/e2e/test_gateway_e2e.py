"""The gateway in front of the real suite: roles × routes, two managers, masking and audit,
composed views (one with a service stopped), tokens, throttling, docs."""
import random
import time
import uuid

import jwt
import pytest
import requests

from tests import support

# Every ID number and mobile sent here is also what test_zz_log_scan looks for in the logs.
SENT_SENSITIVE: list[str] = []


def resident_id() -> str:
    """A checksum-valid 18-digit resident ID number (GB 11643)."""
    body = "110101" + f"{random.randint(1960, 2000)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}" \
        + f"{random.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    value = body + check
    SENT_SENSITIVE.append(value)
    return value


def mobile() -> str:
    value = "139" + f"{random.randint(0, 99_999_999):08d}"
    SENT_SENSITIVE.append(value)
    return value


def register(client, **extra) -> str:
    body = {"kind": "individual", "name": f"客户{uuid.uuid4().hex[:6]}", "id_type": "resident_id",
            "id_number": resident_id(), "mobile": mobile(), **extra}
    r = client.post("/api/v1/customers", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def until_ok(client, path, what):
    return support.wait_for(lambda: (lambda r: r.json() if r.status_code == 200 else None)(client.get(path)),
                            timeout=20, what=what)


@pytest.fixture(scope="module")
def cast(admin):
    """Two managers, a supervisor of each, an auditor, and a customer of the first manager."""
    m1 = support.new_user(admin, "manager")
    m2 = support.new_user(admin, "manager")
    sup1 = support.new_user(admin, "supervisor", team=[m1.id])
    sup2 = support.new_user(admin, "supervisor", team=[m2.id])
    auditor = support.new_user(admin, "auditor")
    cid = register(m1)
    # the other services learn of the customer by events; wait until they have
    until_ok(m1, f"/api/v1/engagement/customers/{cid}/summary", "engagement to know the customer")
    until_ok(m1, f"/api/v1/feedback/customers/{cid}/summary", "feedback to know the customer")
    anon = support.Client(admin.base, "")
    anon.s.headers.pop("Authorization")
    return {"m1": m1, "m2": m2, "sup1": sup1, "sup2": sup2, "auditor": auditor, "admin": admin,
            "anon": anon, "cid": cid}


def test_role_route_matrix(cast):
    c = cast["cid"]
    m1 = cast["m1"].id
    # route → expected status per caller (every caller is listed for every route)
    m1s = dict(m1=200, m2=404, sup1=200, sup2=404, admin=200, auditor=403, anon=401)  # about m1's customer
    matrix = [
        (("GET", "/api/v1/me"), dict(m1=200, m2=200, sup1=200, sup2=200, admin=200, auditor=200, anon=401)),
        (("GET", f"/api/v1/customers/{c}"), m1s),
        (("GET", f"/api/v1/customers/{c}/history"), m1s),
        (("GET", f"/api/v1/engagement/customers/{c}/snapshot"), m1s),
        (("GET", f"/api/v1/engagement/customers/{c}/summary"), m1s),
        (("GET", f"/api/v1/feedback/customers/{c}/summary"), m1s),
        (("GET", f"/api/v1/views/customer-360/{c}"), m1s),
        (("GET", "/api/v1/views/worklist"), dict(m1=200, m2=200, sup1=200, sup2=200, admin=200, auditor=403, anon=401)),
        (("GET", f"/api/v1/views/worklist?manager_id={m1}"), m1s),
        (("GET", "/api/v1/views/team-dashboard"),
         dict(m1=403, m2=403, sup1=200, sup2=200, admin=200, auditor=403, anon=401)),
        (("GET", f"/api/v1/audit?customer_id={c}"),
         dict(m1=403, m2=403, sup1=403, sup2=403, admin=200, auditor=200, anon=401)),
        (("GET", "/api/v1/users"), dict(m1=403, m2=403, sup1=403, sup2=403, admin=200, auditor=403, anon=401)),
        (("PUT", "/api/v1/tiers/rules"), dict(m1=403, m2=403, sup1=403, sup2=403, auditor=403, anon=401)),
        (("GET", "/api/v1/managers/team"), dict(m1=403, m2=403, sup1=200, sup2=200, admin=200, auditor=403, anon=401)),
        (("GET", "/api/v1/nowhere"), dict(m1=404, auditor=404, anon=404)),
        # lists whose rows each service filters to the caller's scope
        (("GET", "/api/v1/feedback/complaints"), dict(m1=200, sup1=200, admin=200, auditor=403, anon=401)),
        (("GET", "/api/v1/engagement/activities"), dict(m1=200, sup1=200, admin=200, auditor=403, anon=401)),
        (("GET", "/api/v1/engagement/gifts"), dict(m1=200, sup1=200, admin=200, auditor=403, anon=401)),
        (("GET", "/api/v1/risk/questionnaire"), dict(m1=200, admin=200, auditor=403, anon=401)),
        # branch configuration: admins only (an empty body gets as far as validation: 422)
        (("GET", "/api/v1/engagement/budgets"), dict(m1=403, sup1=200, admin=200, auditor=403, anon=401)),
        (("POST", "/api/v1/engagement/gifts"), dict(m1=403, sup1=403, admin=422, auditor=403, anon=401)),
        (("PUT", "/api/v1/feedback/settings/sla"), dict(m1=403, sup1=403, admin=422, auditor=403, anon=401)),
    ]
    wrong = []
    for (method, path), expected in matrix:
        for who, status in expected.items():
            got = cast[who].request(method, path, json={} if method in ("PUT", "POST") else None)
            if got.status_code != status:
                wrong.append(f"{who} {method} {path}: {got.status_code} (wanted {status})")
            elif status >= 400:
                assert got.headers["Content-Type"].startswith("application/problem+json")
    assert not wrong, "\n".join(wrong)
    # creating: managers may, auditors and strangers may not
    assert cast["auditor"].post("/api/v1/customers", json={"kind": "individual", "name": "x"}).status_code == 403
    assert cast["anon"].post("/api/v1/customers", json={"kind": "individual", "name": "x"}).status_code == 401


def test_one_manager_cannot_touch_anothers_customer(cast):
    c, m2 = cast["cid"], cast["m2"]
    assert m2.patch(f"/api/v1/customers/{c}", json={"occupation": "x"}, headers={"If-Match": '"1"'}).status_code == 404
    assert m2.get(f"/api/v1/engagement/customers/{c}/interactions").status_code == 404
    assert m2.post("/api/v1/engagement/interactions", json={
        "customer_id": c, "channel": "phone", "purpose": "care", "summary": "hi",
        "occurred_at": "2026-01-01T10:00:00+08:00"}).status_code in (404, 422)
    theirs = m2.get("/api/v1/customers").json()
    ids = [x["id"] for x in (theirs.get("items") if isinstance(theirs, dict) else theirs)]
    assert c not in ids


def test_masking_by_default_unmasking_with_purpose_is_audited(admin, cast):
    officer = support.new_user(admin, "manager", can_unmask=True)
    idn, mob = resident_id(), mobile()
    SENT_SENSITIVE.extend([idn, mob])
    r = officer.post("/api/v1/customers", json={"kind": "individual", "name": "李四", "id_type": "resident_id",
                                                "id_number": idn, "mobile": mob})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    masked = officer.get(f"/api/v1/customers/{cid}").json()
    assert masked["id_number"] != idn and masked["mobile"] != mob and masked["mobile"].endswith(mob[-4:])
    clear = officer.get(f"/api/v1/customers/{cid}", headers={"X-Unmask-Purpose": "KYC re-verification"}).json()
    assert clear["id_number"] == idn and clear["mobile"] == mob
    # without the right, a stated purpose changes nothing
    m1 = cast["m1"]
    plain = m1.get(f"/api/v1/customers/{cast['cid']}", headers={"X-Unmask-Purpose": "curious"}).json()
    assert "*" in plain["id_number"]
    # the 360 shows the profile masked too
    assert "*" in officer.get(f"/api/v1/views/customer-360/{cid}").json()["profile"]["id_number"]

    trail = cast["auditor"].get(f"/api/v1/audit?customer_id={cid}")
    assert trail.status_code == 200
    items = trail.json()["items"]
    reads = [e for e in items if e["action"] == "read_unmasked"]
    assert len(reads) == 1 and reads[0]["actor"]["user_id"] == officer.id
    assert reads[0]["purpose"] == "KYC re-verification" and set(reads[0]["fields"]) >= {"id_number", "mobile"}
    assert reads[0]["service"] == "customer"
    assert any(e["action"] == "create" for e in items)
    assert idn not in trail.text and mob not in trail.text
    assert [e["at"] for e in items] == sorted((e["at"] for e in items), reverse=True)


def test_customer_360_and_with_engagement_stopped(suite, cast):
    m1, c = cast["m1"], cast["cid"]
    v = m1.get(f"/api/v1/views/customer-360/{c}").json()
    assert v["missing"] == [] and v["profile"]["id"] == c
    for key in ("tier", "risk_level", "risk_valid_until", "recent_interactions", "recent_visits",
                "upcoming_care", "open_complaints", "latest_satisfaction"):
        assert key in v
    assert isinstance(v["recent_interactions"], list) and isinstance(v["open_complaints"], list)
    suite.stop("engagement")
    try:
        t0 = time.monotonic()
        r = m1.get(f"/api/v1/views/customer-360/{c}")
        elapsed = time.monotonic() - t0
        assert r.status_code == 200 and elapsed < 5, (r.status_code, elapsed)
        v = r.json()
        assert v["profile"]["id"] == c and isinstance(v["open_complaints"], list)
        assert v["recent_interactions"] is None
        assert v["missing"] == [{"part": "engagement", "service": "engagement", "reason": "unavailable",
                                 "fields": ["recent_interactions", "recent_visits", "upcoming_care",
                                            "account_reminders"]}]
        # the pass-through says so too, as a problem
        down = m1.get(f"/api/v1/engagement/customers/{c}/summary")
        assert down.status_code == 503 and down.headers["Content-Type"].startswith("application/problem+json")
        wl = m1.get("/api/v1/views/worklist").json()
        assert [m["service"] for m in wl["missing"]] == ["engagement"] and wl["greetings_due"] is None
    finally:
        suite.start("engagement")
        suite.wait_ready("engagement")
    assert m1.get(f"/api/v1/views/customer-360/{c}").json()["missing"] == []


def test_worklist_for_a_day(cast):
    m1, sup1 = cast["m1"], cast["sup1"]
    r = m1.get("/api/v1/views/worklist?date=2026-06-01")
    v = r.json()
    assert r.status_code == 200 and v["manager_id"] == m1.id and v["date"] == "2026-06-01", r.text
    assert v["missing"] == [], v["missing"]
    for key in ("greetings_due", "contacts_due", "contacts_overdue", "visits_planned", "account_reminders",
                "complaints_near_breach", "complaints_breached", "risk_expiring", "reverification_due"):
        assert isinstance(v[key], list), key
    assert sup1.get(f"/api/v1/views/worklist?manager_id={m1.id}&date=2026-06-01").json()["manager_id"] == m1.id
    bad = m1.get("/api/v1/views/worklist?date=tomorrow")
    assert bad.status_code == 422 and "date" in bad.json()["errors"]


def test_team_dashboard_for_a_supervisor(cast):
    sup1, m1 = cast["sup1"], cast["m1"]
    r = sup1.get("/api/v1/views/team-dashboard?from=2026-01-01&to=2026-12-31")
    v = r.json()
    assert r.status_code == 200 and v["manager_ids"] == [m1.id], r.text
    assert v["missing"] == [], v["missing"]
    assert sum(v["tier_distribution"].values()) >= 1
    assert set(v["per_manager"]) == {m1.id} and v["per_manager"][m1.id]["username"] == m1.user["username"]
    assert v["per_manager"][m1.id]["customer"]["customers"] >= 1
    for key in ("contact_coverage", "complaint_sla", "satisfaction_trend", "activities"):
        assert v[key] is not None, key
    assert sup1.get(f"/api/v1/views/team-dashboard?manager_ids={cast['m2'].id}").status_code == 404


def test_tokens_expired_tampered_and_refresh(admin, gateway_url):
    pw = "pw-" + uuid.uuid4().hex
    name = f"tok-{uuid.uuid4().hex[:8]}"
    assert admin.post("/api/v1/users", json={"username": name, "password": pw, "role": "manager"}).status_code == 201
    toks = requests.post(gateway_url + "/api/v1/auth/login", json={"username": name, "password": pw}).json()
    claims = jwt.decode(toks["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == toks["expires_in"] <= 900
    secret = support.SECRET + "-jwt"     # the suite's CRM_JWT_SECRET
    expired = jwt.encode({**claims, "iat": claims["iat"] - 2000, "exp": claims["iat"] - 1000}, secret,
                         algorithm="HS256")
    as_admin = jwt.encode({**claims, "role": "admin", "sub": admin.id}, "x" * 40, algorithm="HS256")
    for tok, detail in ((expired, "Token expired."), (as_admin, "Invalid token."),
                        (toks["access_token"][:-3] + "abc", "Invalid token."),
                        (toks["refresh_token"], "Wrong token type.")):
        r = requests.get(gateway_url + "/api/v1/me", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 401 and r.json()["detail"] == detail
    new = requests.post(gateway_url + "/api/v1/auth/refresh", json={"refresh_token": toks["refresh_token"]})
    assert new.status_code == 200
    me = requests.get(gateway_url + "/api/v1/me", headers={"Authorization": f"Bearer {new.json()['access_token']}"})
    assert me.json()["username"] == name
    assert requests.post(gateway_url + "/api/v1/auth/refresh",
                         json={"refresh_token": toks["refresh_token"]}).status_code == 401
    # a replayed refresh token ends its whole session, the tokens it already gave included
    support.wait_for(lambda: requests.get(gateway_url + "/api/v1/me", headers={
        "Authorization": f"Bearer {new.json()['access_token']}"}).status_code == 401, timeout=10,
        what="the session to end on every worker")


def test_failed_logins_are_throttled(admin, gateway_url):
    pw = "pw-" + uuid.uuid4().hex
    name = f"thr-{uuid.uuid4().hex[:8]}"
    admin.post("/api/v1/users", json={"username": name, "password": pw, "role": "manager"})
    codes = [requests.post(gateway_url + "/api/v1/auth/login",
                           json={"username": name, "password": "nope-" + str(i)}).status_code
             for i in range(6)]
    assert codes == [401] * 5 + [429]
    r = requests.post(gateway_url + "/api/v1/auth/login", json={"username": name, "password": pw})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_deactivated_user_is_locked_out(admin):
    m = support.new_user(admin, "manager")
    assert admin.post(f"/api/v1/users/{m.id}/deactivate").json()["active"] is False
    support.wait_for(lambda: m.get("/api/v1/me").status_code == 401, timeout=10, what="the lockout on every worker")


def test_openapi_covers_every_service_and_docs_page_is_offline(gateway_url):
    spec = requests.get(gateway_url + "/api/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/auth/login", "/api/v1/views/customer-360/{customer_id}", "/api/v1/customers/{customer_id}",
              "/api/v1/engagement/customers/{customer_id}/summary", "/api/v1/feedback/customers/{customer_id}/summary"):
        assert p in paths, p
    assert "x-missing-services" not in spec["info"]
    page = requests.get(gateway_url + "/api/docs")
    assert page.status_code == 200 and "/api/docs/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert requests.get(gateway_url + "/api/docs/swagger-ui-bundle.js").status_code == 200


def test_request_ids_and_problem_errors_are_consistent(cast):
    m1 = cast["m1"]
    r = m1.get(f"/api/v1/customers/{uuid.uuid4()}", headers={"X-Request-ID": "req-abc"})
    assert r.status_code == 404 and r.headers["X-Request-ID"] == "req-abc"
    body = r.json()
    assert {"type", "title", "status"} <= body.keys() and body["status"] == 404
    bad = m1.post("/api/v1/customers", json={"kind": "individual"})
    assert bad.status_code == 422 and "name" in bad.json()["errors"]
