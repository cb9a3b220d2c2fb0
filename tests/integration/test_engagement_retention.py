"""No contact in N days on the real FerretDB: the engagement worker's job (today injected, never
slept) raises engagement.contact.lapsed once per stale episode, a new contact ends the episode,
N is the branch's versioned engagement policy; and core banking's opened products are copied
once per holding for activity effectiveness."""
import uuid
from datetime import date, datetime, timedelta, timezone

from chassis import clock, identity as ident
from chassis.events import received
from contracts import core_banking as core
from services.engagement import retention
from tests.integration.test_engagement_support import new_id, snapshot
from tests.support import as_user


def _log(client, h, cid, day: date):
    at = min(clock.day_bounds(day)[0] + timedelta(minutes=30), datetime.now(timezone.utc))   # that day, Beijing
    r = client.post("/api/v1/engagement/interactions", headers=h, json={
        "customer_id": cid, "channel": "phone", "purpose": "回访", "occurred_at": at.isoformat()})
    assert r.status_code == 201, r.json


def _lapse_events(app, cid):
    """The lapse events written for a customer, oldest first (a record being settled is in
    the outbox and in history for a moment: one event, one id)."""
    db = app.extensions["crm_db"]
    found = {e["id"]: e for coll in ("outbox", "changes") for r in db[coll].find({"aggregate_type": "contact_lapse",
                                                                                "customer_id": cid})
             for e in r["events"] if e["type"] == "engagement.contact.lapsed"}
    return sorted(found.values(), key=lambda e: e["data"]["lapse_key"])


def test_a_customer_without_contact_for_n_days_lapses_once_per_episode(engagement_app):
    client = engagement_app.test_client()
    branch = "b-" + uuid.uuid4().hex[:6]
    mid = new_id("m-")
    h = as_user(mid, ident.MANAGER, branch=branch)
    today = clock.today()
    old, recent, never = (snapshot(engagement_app, mid, branch=branch) for _ in range(3))
    _log(client, h, old, today - timedelta(days=100))
    _log(client, h, recent, today - timedelta(days=10))
    mine = {"manager_id": mid}
    with engagement_app.app_context():
        assert retention.scan_lapses(today, mine) == 1          # only the one 100 days without contact
        assert retention.scan_lapses(today, mine) == 0          # the next round: the same episode, nothing new
        assert retention.scan_lapses(today + timedelta(days=1), mine) == 0
    events = _lapse_events(engagement_app, old)
    assert len(events) == 1
    d = events[0]["data"]
    start = (today - timedelta(days=100)).isoformat()
    assert d["lapse_key"] == f"{old}:{start}" and d["last_contact_on"] == start
    assert (d["days_without_contact"], d["threshold_days"], d["manager_id"]) == (100, 90, mid)

    # A new contact ends the episode: nothing until N days after it, then a new episode.
    _log(client, h, old, today)
    with engagement_app.app_context():
        assert retention.scan_lapses(today + timedelta(days=89), {"_id": old}) == 0
        assert retention.scan_lapses(today + timedelta(days=90), {"_id": old}) == 1
    assert [e["data"]["lapse_key"] for e in _lapse_events(engagement_app, old)] == [
        f"{old}:{start}", f"{old}:{today.isoformat()}"]
    # Never contacted: measured from the day the job first saw the customer (today above).
    with engagement_app.app_context():
        assert retention.scan_lapses(today + timedelta(days=89), {"_id": never}) == 0
        assert retention.scan_lapses(today + timedelta(days=90), {"_id": never}) == 1
    assert _lapse_events(engagement_app, never)[0]["data"]["last_contact_on"] is None
    assert _lapse_events(engagement_app, recent) == []


def test_n_is_the_branchs_versioned_policy(engagement_app):
    client = engagement_app.test_client()
    branch = "b-" + uuid.uuid4().hex[:6]
    mid = new_id("m-")
    h = as_user(mid, ident.MANAGER, branch=branch)
    admin = as_user(new_id("a-"), ident.ADMIN, branch=branch)
    got = client.get("/api/v1/engagement/policy", headers=h)
    assert got.status_code == 200 and got.json == {"no_contact_days": 90, "products_window_days": 30,
                                                   "branch": "default", "version": 0}
    body = {"no_contact_days": 30, "products_window_days": 14}
    assert client.put("/api/v1/engagement/policy", json=body, headers={**h, "If-Match": '"0"'}).status_code == 403
    assert client.put("/api/v1/engagement/policy", json=body, headers=admin).status_code == 428
    bad = client.put("/api/v1/engagement/policy", json={**body, "no_contact_days": 0},
                     headers={**admin, "If-Match": '"0"'})
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/engagement/policy", headers=h).json["branch"] == "default"   # nothing changed
    r = client.put("/api/v1/engagement/policy", json=body, headers={**admin, "If-Match": '"0"'})
    assert r.status_code == 200 and r.json["branch"] == branch and r.json["version"] == 1, r.json
    assert r.headers["ETag"] == '"1"'
    assert client.put("/api/v1/engagement/policy", json=body, headers={**admin, "If-Match": '"0"'}).status_code == 412
    assert client.get("/api/v1/engagement/policy", headers=h).json["no_contact_days"] == 30
    # another branch's policy does not exist for its staff; bank-wide staff read any branch's
    other = as_user(new_id("m-"), ident.MANAGER, branch="b-" + uuid.uuid4().hex[:6])
    hidden = client.get(f"/api/v1/engagement/policy?branch={branch}", headers=other)
    assert hidden.status_code == 404 and hidden.headers["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/engagement/policy?branch=default", headers=other).status_code == 200
    bank_admin = as_user(new_id("a-"), ident.ADMIN)
    assert client.get(f"/api/v1/engagement/policy?branch={branch}", headers=bank_admin).json["no_contact_days"] == 30

    cid = snapshot(engagement_app, mid, branch=branch)
    today = clock.today()
    _log(client, h, cid, today - timedelta(days=40))
    retention._cache.clear()   # the worker re-reads the policy within 10 s; here, at once
    with engagement_app.app_context():
        assert retention.scan_lapses(today, {"_id": cid}) == 1
    assert _lapse_events(engagement_app, cid)[0]["data"]["threshold_days"] == 30


def test_opened_products_are_copied_once_per_holding(engagement_app):
    from services.engagement.models import ProductOpening
    cid = new_id("c-")
    env = core.PRODUCT_OPENED.new(cid, {
        "customer_id": cid, "as_of": date(2026, 11, 20), "holding_id": f"{cid}:wm", "product_code": "WM-R2-180",
        "product_type": "wealth", "account_ref": "****7788", "amount_cents": 10_000_000})
    with engagement_app.app_context():
        assert retention.record_opening(received(env)) is True
        assert retention.record_opening(received(env)) is False     # redelivered
        rows = list(ProductOpening._get_collection().find({"customer_id": cid}))
    assert [(r["_id"], r["opened_on"], r["product_code"]) for r in rows] == [(f"{cid}:wm", "2026-11-20", "WM-R2-180")]
    assert "account_ref" not in rows[0] and "amount_cents" not in rows[0]
