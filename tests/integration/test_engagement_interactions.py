"""Interactions and the customer timeline, on the real database and broker."""
from datetime import datetime, timedelta, timezone

from tests import support
from tests.integration.test_engagement_support import manager, snapshot


def test_log_an_interaction_publishes_and_the_timeline_is_newest_first(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    tap = support.ExchangeTap("engagement.interaction.logged")
    try:
        base = datetime.now(timezone.utc) - timedelta(days=10)
        ids = []
        for i, ch in enumerate(["phone", "wechat", "counter", "email", "sms"]):
            r = client.post("/api/v1/engagement/interactions", headers=h, json={
                "customer_id": cid, "channel": ch, "purpose": f"p{i}", "summary": "聊了理财",
                "outcome": "interested", "next_step": "send brochure", "follow_up_date": "2026-12-01",
                "occurred_at": (base + timedelta(days=i)).isoformat()})
            assert r.status_code == 201, r.json
            ids.append(r.json["id"])
        with support.running_worker("engagement"):
            got = tap.wait(lambda e: e["data"]["customer_id"] == cid and e["subject"] == ids[-1])
        env = got[0][2]
        assert env["data"]["channel"] == "sms" and "summary" not in env["data"]  # no free text on the bus
        assert "purpose" not in env["data"] and env["version"] == 2

        page1 = client.get(f"/api/v1/engagement/customers/{cid}/interactions?limit=2", headers=h).json
        assert [i["id"] for i in page1["items"]] == [ids[4], ids[3]]
        page2 = client.get(f"/api/v1/engagement/customers/{cid}/interactions?limit=2&cursor={page1['next_cursor']}",
                           headers=h).json
        page3 = client.get(f"/api/v1/engagement/customers/{cid}/interactions?limit=2&cursor={page2['next_cursor']}",
                           headers=h).json
        assert [i["id"] for i in page2["items"]] == [ids[2], ids[1]]
        assert [i["id"] for i in page3["items"]] == [ids[0]] and page3["next_cursor"] is None
    finally:
        tap.close()


def test_bad_interaction_is_refused_with_the_field_named_and_nothing_written(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    r = client.post("/api/v1/engagement/interactions", headers=h,
                    json={"customer_id": cid, "channel": "carrier-pigeon", "purpose": "x"})
    assert r.status_code == 422 and "channel" in r.json["errors"]
    future = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    r = client.post("/api/v1/engagement/interactions", headers=h,
                    json={"customer_id": cid, "channel": "phone", "purpose": "x", "occurred_at": future})
    assert r.status_code == 422 and "occurred_at" in r.json["errors"]
    assert client.get(f"/api/v1/engagement/customers/{cid}/interactions", headers=h).json["items"] == []


def test_another_managers_customer_is_404(engagement_app):
    client = engagement_app.test_client()
    mid, _ = manager()
    cid = snapshot(engagement_app, mid)
    _, other = manager()
    r = client.post("/api/v1/engagement/interactions", headers=other,
                    json={"customer_id": cid, "channel": "phone", "purpose": "x"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/engagement/customers/{cid}/interactions", headers=other).status_code == 404
    assert client.post("/api/v1/engagement/interactions", headers=other,
                       json={"customer_id": "nobody", "channel": "phone", "purpose": "x"}).status_code == 404
