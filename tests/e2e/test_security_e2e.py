"""Issue #9 through the running suite: what an insider could do, and now cannot."""
import uuid
from datetime import datetime, timedelta, timezone

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


# --- one visibility rule, branch from the owner, records follow the book -------------------

E, F = "/api/v1/engagement", "/api/v1/feedback"


def _branch() -> str:
    return "b" + uuid.uuid4().hex[:6]


def test_the_branch_follows_the_manager_and_no_client_can_set_it(admin):
    """Issue #9 item 3: a manager cannot move a customer out of their admin's sight."""
    b1, b2 = _branch(), _branch()
    m1 = support.new_user(admin, "manager", branch=b1)
    admin1, admin2 = support.new_user(admin, "admin", branch=b1), support.new_user(admin, "admin", branch=b2)
    name = "客户" + uuid.uuid4().hex[:6]
    r = m1.post("/api/v1/customers", json={"kind": "individual", "name": name, "branch": b2})
    assert r.status_code == 422 and "branch" in r.json()["errors"]
    assert admin.get("/api/v1/customers", params={"name": name}).json()["items"] == []    # nothing written
    r = m1.post("/api/v1/customers", json={"kind": "individual", "name": name})
    cid, tag = r.json()["id"], r.headers["ETag"]
    assert r.json()["branch"] == b1
    assert m1.patch(f"/api/v1/customers/{cid}", json={"branch": b2}, headers={"If-Match": tag}).status_code == 422
    csv = f"name,kind,branch\n{name}2,individual,{b2}\n".encode()
    assert m1.post("/api/v1/imports", data=csv, headers={"Content-Type": "text/csv"}).status_code == 400
    assert admin1.get(f"/api/v1/customers/{cid}").status_code == 200
    assert admin2.get(f"/api/v1/customers/{cid}").status_code == 404


def _activity(sup, tag: str) -> str:
    r = sup.post(f"{E}/activities", json={"name": "沙龙", "type": "wealth_salon", "capacity": 10, "budget_cents": 0,
                                          "cost_per_head_cents": 0, "segment": {"tags": [tag]},
                                          "starts_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_attendance_only_for_ones_own_customers_and_only_organisers_close(admin):
    """Issue #9 item 5."""
    b = _branch()
    m1, m2 = support.new_user(admin, "manager", branch=b), support.new_user(admin, "manager", branch=b)
    sup = support.new_user(admin, "supervisor", branch=b, team=[m1.id, m2.id])
    tag = "t" + uuid.uuid4().hex[:6]
    c1 = support.register_customer(m1, wait_for_copy=f"{E}/customers/{{id}}/snapshot", tags=[tag])
    c2 = support.register_customer(m2, wait_for_copy=f"{E}/customers/{{id}}/snapshot", tags=[tag])
    aid = _activity(sup, tag)
    assert sup.post(f"{E}/activities/{aid}/invitations").json()["invited"] == 2
    for m, c in ((m1, c1), (m2, c2)):
        assert m.post(f"{E}/activities/{aid}/rsvp", json={"customer_id": c, "answer": "accept"}).status_code == 200
    r = m1.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": [c2, c1]}).json()
    assert r["marked"] == [c1] and c2 in r["refused"]
    inv = {i["customer_id"]: i for i in sup.get(f"{E}/activities/{aid}/invitations").json()}
    assert inv[c1]["attended"] is True and inv[c2]["attended"] is False
    assert sup.get(f"{E}/activities/{aid}").json()["status"] == "planned"     # still open for m2
    assert m2.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": [c2]}).json()["marked"] == [c2]
    assert sup.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": [c1]}).status_code == 200
    assert sup.get(f"{E}/activities/{aid}").json()["status"] == "held"


def test_the_audit_filter_by_customer_covers_every_service(admin):
    """Low: GET /audit?customer_id= returns the customer's visits and complaints too."""
    m = support.new_user(admin, "manager")
    cid = support.register_customer(m, wait_for_copy=f"{F}/customers/{{id}}/summary")
    support.wait_for(lambda: m.get(f"{E}/customers/{cid}/snapshot").status_code == 200, what="engagement copy")
    assert m.post(f"{E}/visits", json={"customer_id": cid, "objective": "回访",
                                       "scheduled_at": datetime.now(timezone.utc).isoformat()}).status_code == 201
    assert m.post(f"{F}/complaints", json={"customer_id": cid, "severity": "low", "category": "service",
                                           "channel": "phone", "summary": "查询"}).status_code == 201
    resources = {e["resource"] for e in admin.get("/api/v1/audit", params={"customer_id": cid}).json()["items"]}
    assert {"customer", "visit", "complaint"} <= resources, resources
