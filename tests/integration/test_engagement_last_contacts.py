"""The latest contact per customer is kept as contacts happen, order-safe, and filled once for
work recorded before it; one day's follow-ups are found by their day."""
import uuid
from datetime import date, datetime, timedelta, timezone

from chassis.events import received
from contracts import engagement as engagement_events
from tests.integration.test_engagement_support import manager, snapshot


def _log(client, h, cid, at, **extra):
    r = client.post("/api/v1/engagement/interactions", headers=h, json={
        "customer_id": cid, "channel": "phone", "purpose": "回访", "occurred_at": at.isoformat(), **extra})
    assert r.status_code == 201, r.json
    return r.json


def test_a_later_contact_wins_in_any_order(engagement_app):
    from services.engagement import book, contacts
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid, tier="diamond")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    _log(client, h, cid, now - timedelta(days=2))
    _log(client, h, cid, now - timedelta(days=40))           # logged late: an older contact
    with engagement_app.app_context():
        assert book.last_contacts([cid])[cid] == now - timedelta(days=2)
        # the interaction's own event, redelivered late, does not roll the mark back
        old = engagement_events.INTERACTION_LOGGED.new("i-old", {
            "interaction_id": "i-old", "customer_id": cid, "manager_id": mid, "channel": "phone",
            "occurred_at": now - timedelta(days=90), "follow_up_date": None})
        contacts.from_event(received(old))
        assert book.last_contacts([cid])[cid] == now - timedelta(days=2)
        # a visit started later moves it on
    r = client.post("/api/v1/engagement/visits", headers=h, json={
        "customer_id": cid, "scheduled_at": now.isoformat(), "objective": "拜访"})
    r = client.post(f"/api/v1/engagement/visits/{r.json['id']}/start", headers={**h, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.json
    with engagement_app.app_context():
        assert book.last_contacts([cid])[cid] >= now
    # the cadence reads the marks: contacted today, so not due
    body = client.get("/api/v1/engagement/cadence/due", headers=h).json
    assert cid not in {i["customer_id"] for i in body["due"] + body["overdue"]}


def test_backfill_fills_marks_and_follow_up_days_once(engagement_app):
    from services.engagement import contacts, jobs
    from services.engagement.contact_marks import LastContact
    from services.engagement.models import Interaction, Visit
    mid, _ = manager()
    a, b = snapshot(engagement_app, mid), snapshot(engagement_app, mid)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with engagement_app.app_context():
        coll, db = Interaction._get_collection(), Interaction._get_db()
        # work recorded before marks and follow-up days were kept: raw documents, no marks
        coll.insert_many([
            {"_id": uuid.uuid4().hex, "customer_id": a, "occurred_at": now - timedelta(days=9), "channel": "phone",
             "purpose": "x", "version": 1, "follow_up_date": datetime(2026, 12, 3)},
            {"_id": uuid.uuid4().hex, "customer_id": a, "occurred_at": now - timedelta(days=3), "channel": "phone",
             "purpose": "x", "version": 1},
        ])
        Visit._get_collection().insert_one({"_id": uuid.uuid4().hex, "customer_id": b, "status": "completed",
                                            "scheduled_at": now, "visited_at": now - timedelta(days=1), "version": 1})
        db["migrations"].delete_many({"_id": {"$in": list(jobs.BACKFILLS)}})
        LastContact._get_collection().delete_many({"_id": {"$in": [a, b]}})
        done = jobs.backfill()
        assert done["last_contacts-v1"] >= 2 and done["interactions.follow_up_day-v1"] >= 1
        assert contacts.latest([a, b]) == {a: now - timedelta(days=3), b: now - timedelta(days=1)}
        assert coll.find_one({"customer_id": a, "follow_up_date": {"$ne": None}})["follow_up_day"] == "2026-12-03"
        assert jobs.backfill() == dict.fromkeys(jobs.BACKFILLS, 0)   # once


def test_the_worklist_finds_one_days_follow_ups(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    today = date.today()
    now = datetime.now(timezone.utc)
    due = _log(client, h, cid, now, follow_up_date=today.isoformat())
    _log(client, h, cid, now, follow_up_date=(today + timedelta(days=1)).isoformat())
    work = client.get(f"/api/v1/engagement/worklist?date={today.isoformat()}", headers=h).json
    assert [i["id"] for i in work["follow_ups_due"]] == [due["id"]]
    # another manager's worklist does not hold it
    other, oh = manager()
    work = client.get(f"/api/v1/engagement/worklist?date={today.isoformat()}", headers=oh).json
    assert work["follow_ups_due"] == []
