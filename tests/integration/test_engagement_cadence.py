"""Cadence: admin-editable rules; due and overdue customers per manager from interactions and visits."""
from datetime import datetime, timedelta, timezone

from tests.integration.test_engagement_support import admin, manager, snapshot


def _log(client, h, cid, days_ago):
    r = client.post("/api/v1/engagement/interactions", headers=h, json={
        "customer_id": cid, "channel": "phone", "purpose": "回访",
        "occurred_at": (datetime.now(timezone.utc) - timedelta(days=days_ago)).isoformat()})
    assert r.status_code == 201, r.json


def test_due_and_overdue_follow_the_tier_cadence(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    fresh = snapshot(engagement_app, mid, tier="diamond")      # contacted 3 days ago: fine
    due = snapshot(engagement_app, mid, tier="diamond")        # 25 days ago: due within a week
    late = snapshot(engagement_app, mid, tier="diamond")       # 45 days ago: overdue by ~15
    gold_ok = snapshot(engagement_app, mid, tier="gold")       # 45 days ago but quarterly: fine
    never = snapshot(engagement_app, mid, tier="standard")     # never contacted: due now
    for cid, days in ((fresh, 3), (due, 25), (late, 45), (gold_ok, 45)):
        _log(client, h, cid, days)
    body = client.get("/api/v1/engagement/cadence/due", headers=h).json
    due_ids = {i["customer_id"] for i in body["due"]}
    over = {i["customer_id"]: i for i in body["overdue"]}
    assert due_ids == {due, never} and set(over) == {late}
    assert 14 <= over[late]["days_overdue"] <= 16 and over[late]["interval_days"] == 30

    # a recorded visit counts as a contact
    r = client.post("/api/v1/engagement/visits", headers=h, json={
        "customer_id": late, "scheduled_at": datetime.now(timezone.utc).isoformat(), "objective": "拜访"})
    client.post(f"/api/v1/engagement/visits/{r.json['id']}/record", headers={**h, "If-Match": r.headers["ETag"]},
                json={"notes": "见面"})
    body = client.get("/api/v1/engagement/cadence/due", headers=h).json
    assert late not in {i["customer_id"] for i in body["overdue"] + body["due"]}


def test_admin_changes_a_rule_and_the_lists_follow(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    ah = admin()
    cls = f"vip_{mid[-6:]}"
    cid = snapshot(engagement_app, mid, tier="standard", classes=[cls])
    _log(client, h, cid, 20)
    overdue = client.get("/api/v1/engagement/cadence/due", headers=h).json["overdue"]
    assert cid not in {i["customer_id"] for i in overdue}
    r = client.put(f"/api/v1/engagement/cadence/class/{cls}", headers=h, json={"interval_days": 7})
    assert r.status_code == 403
    r = client.put(f"/api/v1/engagement/cadence/class/{cls}", headers=ah, json={"interval_days": 0})
    assert r.status_code == 422 and "interval_days" in r.json["errors"]
    r = client.put(f"/api/v1/engagement/cadence/class/{cls}", headers=ah, json={"interval_days": 7})
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    over = client.get("/api/v1/engagement/cadence/due", headers=h).json["overdue"]
    assert cid in {i["customer_id"] for i in over}
    # later edits need the version
    r = client.put(f"/api/v1/engagement/cadence/class/{cls}", headers=ah, json={"interval_days": 60})
    assert r.status_code == 428
    r = client.put(f"/api/v1/engagement/cadence/class/{cls}", headers={**ah, "If-Match": '"1"'},
                   json={"interval_days": 60})
    assert r.status_code == 200
    rules = {x["key"]: x for x in client.get("/api/v1/engagement/cadence", headers=h).json}
    assert rules[f"class:{cls}"]["interval_days"] == 60 and rules["tier:diamond"]["source"] == "default"
    r = client.put("/api/v1/engagement/cadence/tier/copper", headers=ah, json={"interval_days": 9})
    assert r.status_code == 422
