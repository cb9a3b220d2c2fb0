"""Visits: plan → record → evaluate, illegal transitions, versions, the completed event, rolling lists."""
from datetime import datetime, timedelta, timezone

from tests import support
from tests.integration.test_engagement_support import manager, snapshot

PLAN = {"objective": "介绍新理财产品", "materials": ["产品手册"], "checklist": ["确认风险等级"],
        "opening": "上次您提到…", "expected_objections": ["收益太低"]}


def _plan(client, h, cid, when=None, **extra):
    when = when or datetime.now(timezone.utc) + timedelta(days=1)
    r = client.post("/api/v1/engagement/visits", headers=h,
                    json={"customer_id": cid, "scheduled_at": when.isoformat(), **PLAN, **extra})
    assert r.status_code == 201, r.json
    return r


def test_visit_lifecycle_and_completed_event(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    r = _plan(client, h, cid)
    vid, tag = r.json["id"], r.headers["ETag"]
    assert r.json["status"] == "planned" and r.json["plan"]["objective"] == PLAN["objective"]

    # evaluating a visit that never happened is an illegal transition
    r = client.post(f"/api/v1/engagement/visits/{vid}/evaluate", headers={**h, "If-Match": tag},
                    json={"outcome": "x", "objective_met": True, "rating": 4})
    assert r.status_code == 409 and r.json["state"] == "planned"
    # updates need the version read
    r = client.post(f"/api/v1/engagement/visits/{vid}/start", headers=h)
    assert r.status_code == 428
    r = client.post(f"/api/v1/engagement/visits/{vid}/start", headers={**h, "If-Match": '"7"'})
    assert r.status_code == 412
    r = client.post(f"/api/v1/engagement/visits/{vid}/start", headers={**h, "If-Match": tag})
    assert r.status_code == 200 and r.json["status"] == "in_progress"
    tag = r.headers["ETag"]

    nxt = (datetime.now(timezone.utc) + timedelta(days=14)).replace(microsecond=0)
    r = client.post(f"/api/v1/engagement/visits/{vid}/record", headers={**h, "If-Match": tag},
                    json={"notes": "客户关注养老规划", "needs_found": ["养老"], "commitments": ["下周带配偶来网点"],
                          "next_appointment_at": nxt.isoformat()})
    assert r.status_code == 200 and r.json["status"] == "recorded", r.json
    assert r.json["record"]["next_appointment_at"].startswith(nxt.isoformat()[:19])
    tag = r.headers["ETag"]

    tap = support.ExchangeTap("engagement.visit.completed")
    try:
        r = client.post(f"/api/v1/engagement/visits/{vid}/evaluate", headers={**h, "If-Match": tag},
                        json={"outcome": "客户同意购买", "objective_met": True, "rating": 5,
                              "lessons": "提前准备对比表"})
        assert r.status_code == 200 and r.json["status"] == "completed"
        with support.running_worker("engagement"):
            (_, _, env), = tap.wait(lambda e: e["subject"] == vid)
        assert env["data"]["customer_id"] == cid and env["data"]["manager_id"] == mid
        assert env["data"]["rating"] == 5 and env["data"]["objective_met"] is True
        assert env["data"]["completed_at"] and env["data"]["visit_id"] == vid
    finally:
        tap.close()
    # a completed visit cannot be cancelled
    r = client.post(f"/api/v1/engagement/visits/{vid}/cancel", headers={**h, "If-Match": r.headers["ETag"]},
                    json={"reason": "late"})
    assert r.status_code == 409


def test_record_refuses_an_appointment_before_the_visit_and_bad_ratings(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    r = _plan(client, h, cid)
    vid, tag = r.json["id"], r.headers["ETag"]
    past = (datetime.now(timezone.utc) - timedelta(days=3)).isoformat()
    r = client.post(f"/api/v1/engagement/visits/{vid}/record", headers={**h, "If-Match": tag},
                    json={"notes": "n", "next_appointment_at": past})
    assert r.status_code == 422 and "next_appointment_at" in r.json["errors"]
    assert client.get(f"/api/v1/engagement/visits/{vid}", headers=h).json["status"] == "planned"
    r = client.post("/api/v1/engagement/visits", headers=h, json={"customer_id": cid, "objective": "x"})
    assert r.status_code == 422 and "scheduled_at" in r.json["errors"]


def test_rolling_visits_put_the_least_recently_visited_first(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    a = snapshot(engagement_app, mid, name="A")
    b = snapshot(engagement_app, mid, name="B")
    c = snapshot(engagement_app, mid, name="C")
    snapshot(engagement_app, "someone-else")
    for cid, days_ago in ((a, 5), (b, 40)):
        r = _plan(client, h, cid, when=datetime.now(timezone.utc) - timedelta(days=days_ago))
        r = client.post(f"/api/v1/engagement/visits/{r.json['id']}/record",
                        headers={**h, "If-Match": r.headers["ETag"]},
                        json={"notes": "ok",
                              "visited_at": (datetime.now(timezone.utc) - timedelta(days=days_ago)).isoformat()})
        assert r.status_code == 200, r.json
    planned = _plan(client, h, c).json["id"]
    body = client.get("/api/v1/engagement/visits/rolling", headers=h).json
    assert [i["customer_id"] for i in body["items"]] == [c, b, a] and body["total"] == 3
    assert body["items"][0]["next_planned"]["visit_id"] == planned
    listed = client.get(f"/api/v1/engagement/visits?manager_id={mid}&status=recorded", headers=h).json["items"]
    assert {v["customer_id"] for v in listed} == {a, b}
    _, other = manager()
    assert client.get(f"/api/v1/engagement/visits/{planned}", headers=other).status_code == 404
    assert client.get(f"/api/v1/engagement/visits/rolling?manager_id={mid}", headers=other).status_code == 404
