"""Issue #13 in the customer service on the real servers: the catalogue (admins only, versioned),
the financial policy, the corporate assessment instead of the individual one, and a caller
who must not see a customer getting 404 from every new route."""
import uuid

from services.customer import corporate_risk, risk
from tests.integration.test_customer_profiles import new_credit_code
from tests.support import as_user


def _mid(prefix="m"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _corporate(c, headers):
    r = c.post("/api/v1/customers", json={"kind": "corporate", "name": "华东机械有限公司",
                                          "credit_code": new_credit_code()}, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_the_catalogue_is_admin_maintained_and_versioned(customer_app):
    c = customer_app.test_client()
    admin, manager = as_user(_mid("a"), "admin"), as_user(_mid())
    code = "WM-" + uuid.uuid4().hex[:6]
    body = {"code": code, "name": "稳健理财", "product_type": "wealth", "risk_level": "R2"}
    assert c.post("/api/v1/products", json=body, headers=manager).status_code == 403
    assert c.post("/api/v1/products", json={**body, "risk_level": None}, headers=admin).status_code == 422
    assert c.post("/api/v1/products", json={**body, "product_type": "time_deposit", "risk_level": None},
                  headers=admin).get_json()["errors"] == {"term_months": ["A time deposit needs its term in months."]}
    r = c.post("/api/v1/products", json=body, headers=admin)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    assert c.post("/api/v1/products", json=body, headers=admin).status_code == 409
    assert c.patch(f"/api/v1/products/{code}", json={"status": "retired"}, headers=admin).status_code == 428
    r = c.patch(f"/api/v1/products/{code}", json={"status": "retired", "reason": "sold out"},
                headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200 and r.get_json()["status"] == "retired" and r.get_json()["version"] == 2
    assert c.get(f"/api/v1/products/{code}", headers=manager).get_json()["status"] == "retired"


def test_the_branch_policy_is_versioned_and_admin_only(customer_app):
    c = customer_app.test_client()
    branch = "b-" + uuid.uuid4().hex[:6]
    admin, manager = as_user(_mid("a"), "admin", branch=branch), as_user(_mid(), branch=branch)
    got = c.get("/api/v1/financial/policy", headers=manager)
    # a branch without its own policy gets the bank's default (or the built-in one)
    assert got.status_code == 200 and got.get_json()["branch"] == "default"
    new = {k: v for k, v in got.get_json().items() if k not in ("branch", "version")}
    new["aum_drop_pct"] = 20
    assert c.put("/api/v1/financial/policy", json=new, headers={**manager, "If-Match": '"0"'}).status_code == 403
    r = c.put("/api/v1/financial/policy", json=new, headers={**admin, "If-Match": '"0"'})
    assert r.status_code == 200 and r.get_json()["branch"] == branch and r.get_json()["version"] == 1
    assert c.put("/api/v1/financial/policy", json=new, headers={**admin, "If-Match": '"0"'}).status_code == 412
    assert c.get("/api/v1/financial/policy", headers=manager).get_json()["aum_drop_pct"] == 20
    # another branch's policy does not exist for its staff; bank-wide staff read any branch's
    other = as_user(_mid(), branch="b-" + uuid.uuid4().hex[:6])
    hidden = c.get(f"/api/v1/financial/policy?branch={branch}", headers=other)
    assert hidden.status_code == 404 and hidden.headers["Content-Type"].startswith("application/problem+json")
    assert c.get("/api/v1/financial/policy?branch=default", headers=other).status_code == 200
    bank_admin = as_user(_mid("a"), "admin")
    assert c.get(f"/api/v1/financial/policy?branch={branch}", headers=bank_admin).get_json()["aum_drop_pct"] == 20


def test_a_corporate_customer_takes_its_own_assessment(customer_app):
    c = customer_app.test_client()
    m = as_user(_mid())
    cid = _corporate(c, m)
    individual = {qid: "b" if "b" in opts else list(opts)[-1] for qid, _, opts in risk.QUESTIONS}
    refused = c.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": individual}, headers=m)
    assert refused.status_code == 422 and "corporate" in str(refused.get_json()["errors"])
    answers = {qid: list(opts)[-1] for qid, _t, _p, opts in corporate_risk.QUESTIONS}
    r = c.post("/api/v1/risk/corporate-assessments", json={"customer_id": cid, "answers": answers}, headers=m)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["level"], r.get_json()["credit_grade"]) == ("C5", "A")
    bad = c.post("/api/v1/risk/corporate-assessments", json={"customer_id": cid, "answers": {"revenue": "z"}},
                 headers=m)
    assert bad.status_code == 422 and "debt_ratio" in bad.get_json()["errors"]["answers"]
    person = c.post("/api/v1/customers", json={"kind": "individual", "name": "李雷"}, headers=m).get_json()["id"]
    assert c.post("/api/v1/risk/corporate-assessments", json={"customer_id": person, "answers": answers},
                  headers=m).status_code == 422
    # who may not see the customer: 404, not 403
    assert c.post("/api/v1/risk/corporate-assessments", json={"customer_id": cid, "answers": answers},
                  headers=as_user(_mid())).status_code == 404
    assert c.get("/api/v1/risk/corporate-questionnaire", headers=m).get_json()["grades"][0]["grade"] == "D"


def test_every_new_route_hides_a_customer_the_caller_may_not_see(customer_app):
    c = customer_app.test_client()
    owner, stranger = _mid(), _mid()
    mine, theirs = as_user(owner), as_user(stranger)
    cid = c.post("/api/v1/customers", json={"kind": "individual", "name": "韩梅梅"}, headers=mine).get_json()["id"]
    r = c.post("/api/v1/opportunities", json={"customer_id": cid, "source": "visit_need"}, headers=mine)
    assert r.status_code == 201, r.get_json()
    oid = r.get_json()["id"]
    assert c.post("/api/v1/opportunities", json={"customer_id": cid, "source": "manual"},
                  headers=theirs).status_code == 404
    assert c.get(f"/api/v1/customers/{cid}/picture", headers=theirs).status_code == 404
    assert c.get(f"/api/v1/customers/{cid}/picture", headers=mine).get_json()["reported"] is None
    for path in ("", "/accept"):
        method = c.get if not path else c.post
        assert method(f"/api/v1/opportunities/{oid}{path}", headers=theirs).status_code == 404
    for action in ("decline", "lose"):
        assert c.post(f"/api/v1/opportunities/{oid}/{action}", json={"reason": "timing"},
                      headers=theirs).status_code == 404
    assert c.get(f"/api/v1/opportunities/stats?manager_ids={owner}", headers=theirs).status_code == 404
    assert c.get(f"/api/v1/opportunities/worklist?manager_id={owner}", headers=theirs).status_code == 404
    assert c.get(f"/api/v1/opportunities?manager_id={owner}", headers=theirs).status_code == 404
    assert c.get("/api/v1/opportunities", headers=theirs).get_json() == [] or \
        all(o["customer_id"] != cid for o in c.get("/api/v1/opportunities", headers=theirs).get_json())
    # the owner moves it along; a decline needs a known reason code
    assert c.post(f"/api/v1/opportunities/{oid}/decline", json={"reason": "because"}, headers=mine).status_code == 422
    r = c.post(f"/api/v1/opportunities/{oid}/decline", json={"reason": "timing"}, headers=mine)
    assert r.status_code == 200 and r.get_json()["stage"] == "declined" and r.get_json()["actions"] == []
    assert c.post(f"/api/v1/opportunities/{oid}/lose", json={"reason": "timing"}, headers=mine).status_code == 409
    stats = c.get(f"/api/v1/opportunities/stats?manager_ids={owner}", headers=mine).get_json()
    assert stats["per_manager"][owner]["conversion"]["declined"] == 1


def test_a_reported_aum_that_moves_the_band_but_not_the_tier_is_published(customer_app):
    """The copies rank a book by the AUM band (next best action): a move within the tier
    is a customer.customer.updated naming the reported AUM, never its figure."""
    from datetime import date

    from chassis.events import Envelope, received
    from contracts import customer as customer_events
    from services.customer import handlers, service
    from tools import core_banking_sim as sim
    c = customer_app.test_client()
    mine = as_user(_mid())
    r = c.post("/api/v1/customers", json={"kind": "individual", "name": "钱多多"}, headers=mine)
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]

    def report(aum_cents, day):
        env = sim.balances(cid, aum_cents, day)
        handlers.HANDLERS[env["type"]](received(Envelope.from_dict(env)))
        store = service.store
        records = {r["_id"]: r for coll in (store.outbox, store.changes)
                   for r in coll.find({"aggregate_id": cid}, {"version": 1, "events": 1})}
        return [(e["type"], e["data"]) for r in sorted(records.values(), key=lambda r: r["version"])
                for e in r["events"]]

    with customer_app.app_context():
        events = report(60_000_00, date(2026, 9, 30))           # gold, band 10k_100k
        assert events[-1][0] == customer_events.TIER_CHANGED.name and events[-1][1]["aum_band"] == "10k_100k"
        events = report(200_000_00, date(2026, 10, 31))         # still gold, band 100k_1m
        kind, data = events[-1]
        assert kind == customer_events.UPDATED.name and data["tier"] == "gold"
        assert data["aum_band"] == "100k_1m" and data["changed_fields"] == ["reported_aum_cents"]
        assert "aum_cents" not in data and "reported_aum_cents" not in data
        n = len(events)
        assert len(report(210_000_00, date(2026, 11, 30))) == n  # same band, same tier: nothing to say
