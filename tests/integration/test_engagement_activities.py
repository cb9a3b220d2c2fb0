"""Client activities: segment invitations, RSVP under concurrency, waitlist, attendance, evaluation."""
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pika

from tests import support
from tests.integration.test_engagement_support import manager, new_id, snapshot, supervisor, wait_for_consumer


def _activity(client, h, capacity, segment, **extra):
    r = client.post("/api/v1/engagement/activities", headers=h, json={
        "name": "理财沙龙", "type": "wealth_salon", "capacity": capacity, "budget_cents": capacity * 5000,
        "cost_per_head_cents": 5000, "starts_at": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat(),
        "location": "总行三楼", "segment": segment, **extra})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _publish_response(activity_id, customer_id, csat, response_id=None):
    """The feedback service's survey answer, published from outside with pika."""
    conn = pika.BlockingConnection(support.pika_params())
    ch = conn.channel()
    env = {"id": str(uuid.uuid4()), "type": "feedback.survey.responded", "version": 1,
           "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "feedback", "subject": new_id("r-"),
           "correlation_id": None, "subject_version": 1,
           "data": {"response_id": response_id or new_id("resp-"), "invitation_id": "i", "survey_id": "s",
                    "customer_id": customer_id,
                    "manager_id": None, "tier": None, "responded_at": datetime.now(timezone.utc).isoformat(),
                    "scores": {"q1": csat}, "csat": csat, "nps": None,
                    "context": {"type": "activity", "id": activity_id}}}
    ch.basic_publish(support.EXCHANGE, env["type"], json.dumps(env),
                     pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=env["id"]))
    conn.close()
    return env


def test_concurrent_rsvps_never_exceed_capacity_and_the_waitlist_moves_up(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    m2, h2 = manager()
    tag = new_id("t")
    sup = supervisor([m1, m2])
    golds = [snapshot(engagement_app, m1 if i % 2 else m2, tier="gold", tags=[tag]) for i in range(30)]
    snapshot(engagement_app, m1, tier="standard", tags=[tag])         # outside the segment: wrong tier
    snapshot(engagement_app, m1, tier="gold")                         # outside: no tag
    aid = _activity(client, sup, capacity=10, segment={"tiers": ["gold", "diamond"], "tags": [tag]})

    r = client.post(f"/api/v1/engagement/activities/{aid}/invitations", headers=h1)
    assert r.json["invited"] == 15  # own book only
    body = client.post(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup).json
    assert body == {"segment_size": 30, "invited": 15, "already_invited": 15}

    barrier, results = threading.Barrier(len(golds)), {}

    def rsvp(cid):
        c = engagement_app.test_client()
        barrier.wait()
        r = c.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=sup,
                   json={"customer_id": cid, "answer": "accept"})
        results[cid] = (r.status_code, r.json)
    threads = [threading.Thread(target=rsvp, args=(cid,)) for cid in golds]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    assert all(code == 200 for code, _ in results.values()), results
    statuses = [b["status"] for _, b in results.values()]
    assert statuses.count("accepted") == 10 and statuses.count("waitlisted") == 20
    seats = sorted(b["seat_no"] for _, b in results.values() if b["status"] == "accepted")
    assert seats == list(range(10))
    assert client.get(f"/api/v1/engagement/activities/{aid}", headers=sup).json["seats_taken"] == 10
    # the list counts every activity's seats in one read, from an index on the seat's owner
    empty = _activity(client, sup, capacity=5, segment={"tags": [tag]})
    listed = {a["id"]: a["seats_taken"] for a in client.get("/api/v1/engagement/activities", headers=sup).json}
    assert listed[aid] == 10 and listed[empty] == 0
    from services.engagement import slots
    with engagement_app.app_context():
        assert "by_owner" in slots._db()[slots.SEATS].index_information()

    # one seat freed: the longest-waiting customer moves up; capacity still holds
    leaver = next(c for c, (_, b) in results.items() if b["status"] == "accepted")
    r = client.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=sup,
                    json={"customer_id": leaver, "answer": "decline"})
    assert r.json["status"] == "declined"
    invs = client.get(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup).json
    assert sum(i["status"] == "accepted" for i in invs) == 10 and sum(i["status"] == "waitlisted" for i in invs) == 19

    # attendance and evaluation; satisfaction comes from feedback's survey events
    accepted = [i["customer_id"] for i in invs if i["status"] == "accepted"]
    r = client.post(f"/api/v1/engagement/activities/{aid}/attendance", headers=sup,
                    json={"customer_ids": accepted[:8] + [leaver]})
    assert len(r.json["marked"]) == 8 and leaver in r.json["refused"]
    with support.running_worker("engagement"):
        wait_for_consumer()
        _publish_response(aid, accepted[0], 5)
        first = _publish_response(aid, accepted[1], 3)
        _publish_response(aid, accepted[1], 3, response_id=first["data"]["response_id"])  # redelivered answer
        _publish_response(aid, accepted[2], 4)
        support.wait_for(lambda: client.get(f"/api/v1/engagement/activities/{aid}/evaluation",
                                            headers=sup).json["responses"] >= 3,
                         what="survey responses consumed")
    tap = support.ExchangeTap("engagement.activity.evaluated")
    try:
        r = client.post(f"/api/v1/engagement/activities/{aid}/evaluation", headers=sup,
                        json={"follow_up_actions": ["给未到场客户寄资料"], "notes": "反响好"})
        assert r.status_code == 200, r.json
        ev = r.json
        assert ev["status"] == "evaluated" and ev["attended"] == 8 and ev["accepted"] == 10
        assert ev["attendance_rate"] == 0.8 and ev["satisfaction"] == 4.0
        assert ev["responses"] == 3 and ev["invited"] == 30
        with support.running_worker("engagement"):
            (_, _, env), = tap.wait(lambda e: e["subject"] == aid)
        assert env["data"]["attendance_rate"] == 0.8
        # the follow-up actions and notes are free text: kept by the service, not published
        published = json.dumps(env, ensure_ascii=False)
        assert "给未到场客户寄资料" not in published and "反响好" not in published
    finally:
        tap.close()


def test_activity_bad_input_and_roles(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    sup = supervisor([m1])
    r = client.post("/api/v1/engagement/activities", headers=sup, json={
        "name": "x", "type": "wealth_salon", "capacity": 100, "budget_cents": 1000, "cost_per_head_cents": 100,
        "starts_at": "2026-12-01T10:00:00+08:00"})
    assert r.status_code == 422 and "budget_cents" in r.json["errors"]
    r = client.post("/api/v1/engagement/activities", headers=sup, json={
        "name": "x", "type": "karaoke", "capacity": 1, "budget_cents": 0, "starts_at": "2026-12-01T10:00:00+08:00"})
    assert r.status_code == 422 and "type" in r.json["errors"]
    assert client.post("/api/v1/engagement/activities", headers=h1, json={
        "name": "x", "type": "vip_dinner", "capacity": 1, "budget_cents": 0,
        "starts_at": "2026-12-01T10:00:00+08:00"}).status_code == 403
    aid = _activity(client, sup, capacity=2, segment={"manager_ids": [m1]})
    stranger = snapshot(engagement_app, m1)
    r = client.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=h1,
                    json={"customer_id": stranger, "answer": "accept"})
    assert r.status_code == 404  # not invited (invitations were never sent)
    r = client.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=h1,
                    json={"customer_id": stranger, "answer": "maybe"})
    assert r.status_code == 422 and "answer" in r.json["errors"]
    r = client.post(f"/api/v1/engagement/activities/{aid}/evaluation", headers=sup, json={})
    assert r.status_code == 409  # not held yet


def test_a_planned_activity_can_be_cancelled_once_by_an_organiser_of_its_branch(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    sup = supervisor([m1])
    cid = snapshot(engagement_app, m1)
    aid = _activity(client, sup, capacity=5, segment={"manager_ids": [m1]})
    assert client.post(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup).json["invited"] == 1
    tag = client.get(f"/api/v1/engagement/activities/{aid}", headers=sup).headers["ETag"]
    url = f"/api/v1/engagement/activities/{aid}/cancel"
    # managers may not; no If-Match is 428; no reason is 422; another branch's organiser sees nothing
    assert client.post(url, headers={**h1, "If-Match": tag}, json={"reason": "场地不可用"}).status_code == 403
    assert client.post(url, headers=sup, json={"reason": "场地不可用"}).status_code == 428
    r = client.post(url, headers={**sup, "If-Match": tag}, json={})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    elsewhere = support.as_user(new_id("s-"), "supervisor", branch="bj", team=())
    r = client.post(url, headers={**elsewhere, "If-Match": tag}, json={"reason": "场地不可用"})
    assert r.status_code == 404 and r.content_type == "application/problem+json"
    assert client.post(url, headers={**sup, "If-Match": '"999"'}, json={"reason": "x"}).status_code == 412
    assert client.get(f"/api/v1/engagement/activities/{aid}", headers=sup).json["status"] == "planned"

    r = client.post(url, headers={**sup, "If-Match": tag}, json={"reason": "场地不可用"})
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.headers["ETag"] != tag
    now = r.headers["ETag"]
    # no more answers, invitations or a second cancel
    r = client.post(f"/api/v1/engagement/activities/{aid}/rsvp", headers=h1,
                    json={"customer_id": cid, "answer": "accept"})
    assert r.status_code == 409
    assert client.post(f"/api/v1/engagement/activities/{aid}/invitations", headers=sup).status_code == 409
    r = client.post(url, headers={**sup, "If-Match": now}, json={"reason": "again"})
    assert r.status_code == 409 and r.json["type"].endswith("illegal-transition")
    db = support.db("engagement")
    query = {"aggregate_id": aid, "version": 2}
    rec = db.changes.find_one(query) or db.outbox.find_one(query)
    assert rec is not None and any(e["type"] == "engagement.activity.cancelled" for e in rec["events"])
