"""Claims left by a request that died half-way are given back by the worker's sweeper, once."""
import uuid
from datetime import date, timedelta

from services.engagement import jobs, slots
from tests.integration.test_engagement_support import admin, manager, new_id, snapshot


def test_orphan_claims_are_released_and_refunded_once(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    cid = snapshot(engagement_app, mid, branch=branch)
    gift = client.post("/api/v1/engagement/gifts", headers=ah,
                       json={"name": "伞", "cost_cents": 700, "stock": 2}).json["id"]
    period = f"{date.today().year}-{date.today().month:02d}"
    budget = client.post("/api/v1/engagement/budgets", headers=ah,
                         json={"branch": branch, "period": period, "amount_cents": 10_000}).json["id"]
    ok = client.post(f"/api/v1/engagement/gifts/{gift}/issues", headers=h,
                     json={"customer_id": cid, "reason": "x", "request_id": uuid.uuid4().hex})
    assert ok.status_code == 201
    with engagement_app.app_context():
        dead = "dead" + uuid.uuid4().hex          # a request that crashed after its claims
        assert slots.take_request(dead)
        assert slots.claim_stock(gift, 2, dead) is not None
        assert slots.spend(budget, 10_000, 700, dead) is not None
        assert slots.spent(budget) == 1400
        jobs.sweep_claims(grace=timedelta(0))
        jobs.sweep_claims(grace=timedelta(0))     # a second sweeper (or run) changes nothing more
        assert slots.spent(budget) == 700         # the live issue stays charged, the dead one refunded once
        assert slots.stock_used(gift) == 1
        assert slots.take_request(dead)           # the key is free again
        slots.drop_request(dead)
    g = client.get(f"/api/v1/engagement/gifts/{gift}", headers=ah).json
    assert g["issued"] == 1 and g["available"] == 1


def test_an_orphan_seat_is_released_and_goes_to_the_waitlist(engagement_app):
    from datetime import datetime, timezone

    from tests.integration.test_engagement_support import supervisor
    client = engagement_app.test_client()
    mid, h = manager()
    sup = supervisor([mid])
    a, b, c = (snapshot(engagement_app, mid) for _ in range(3))
    aid = client.post("/api/v1/engagement/activities", headers=sup, json={
        "name": "讲座", "type": "education_lecture", "capacity": 1, "budget_cents": 0,
        "starts_at": datetime.now(timezone.utc).isoformat(), "segment": {"manager_ids": [mid]}}).json["id"]
    client.post(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup)
    with engagement_app.app_context():
        assert slots.claim_seat(aid, 1, f"{aid}:{a}") == 0   # a crashed before its invitation said "accepted"
    r = client.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=h, json={"customer_id": b, "answer": "accept"})
    assert r.json["status"] == "waitlisted"
    with engagement_app.app_context():
        assert jobs.sweep_claims(grace=timedelta(0))["seats"] >= 1
    invs = {i["customer_id"]: i
            for i in client.get(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup).json}
    assert invs[b]["status"] == "accepted" and invs[b]["seat_no"] == 0 and invs[a]["status"] == "invited"
    assert client.get(f"/api/v1/engagement/activities/{aid}", headers=sup).json["seats_taken"] == 1
    assert c
