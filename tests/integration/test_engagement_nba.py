"""Next best action on the real database, and the work the worklist must show: the ranked
book with its reasons, who sees it, the branch's weights; the next appointment agreed at a
visit; the gift issue a Location points to; editing and cancelling an activity."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from chassis import identity as ident
from chassis.events import received
from contracts import engagement as engagement_events, feedback as feedback_events, financial
from tests.integration.test_engagement_support import admin, manager, new_id, snapshot, supervisor, today_local
from tests.support import as_user, known_staff


def _log(client, h, cid, days_ago):
    r = client.post("/api/v1/engagement/interactions", headers=h, json={
        "customer_id": cid, "channel": "phone", "purpose": "问候",
        "occurred_at": (datetime.now(timezone.utc) - timedelta(days=days_ago, minutes=5)).isoformat()})
    assert r.status_code == 201, r.json


def _complaint(app, cid, status, version, complaint_id=None):
    from services.engagement import nba
    complaint_id = complaint_id or new_id("cp-")
    env = feedback_events.COMPLAINT_OPENED.new(complaint_id, {
        "complaint_id": complaint_id, "customer_id": cid, "manager_id": None, "branch": "sh", "tier": "gold",
        "severity": "high", "category": "service", "status": status, "cycle": 1, "response_due": None,
        "resolution_due": None}, subject_version=version)
    with app.app_context():
        nba.complaint_changed(received(env))
    return complaint_id


def _churn(app, cid, signal, raised_on):
    from services.engagement import nba
    env = financial.CHURN_SIGNALLED.new(cid, {"customer_id": cid, "manager_id": None, "branch": "sh",
                                              "signal": signal, "signal_key": f"{signal}:{raised_on:%Y-%m}",
                                              "raised_on": raised_on})
    with app.app_context():
        assert nba.churn_signalled(received(env)) is True
        assert nba.churn_signalled(received(env)) is False     # redelivered: kept once


def test_the_worklist_ranks_the_book_by_value_risk_and_staleness_with_reasons(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    today = today_local()
    valid = today + timedelta(days=300)
    pb = snapshot(engagement_app, mid, tier="private_banking", aum_band="10m_plus", risk_level="C4",
                  risk_valid_until=valid)
    churn = snapshot(engagement_app, mid, tier="gold", aum_band="100k_1m", risk_level="C2", risk_valid_until=valid)
    stale = snapshot(engagement_app, mid, tier="diamond", aum_band="1m_10m", risk_level="C3", risk_valid_until=valid)
    never = snapshot(engagement_app, mid, tier="standard", aum_band=None, risk_level=None, risk_valid_until=None)
    quiet = snapshot(engagement_app, mid, tier="diamond", aum_band="1m_10m", risk_level="C3", risk_valid_until=valid)
    _log(client, h, pb, 10)
    _log(client, h, churn, 45)
    _log(client, h, stale, 120)
    _log(client, h, quiet, 2)
    complaint = _complaint(engagement_app, pb, "opened", 1)
    _complaint(engagement_app, pb, "closed", 5)                      # another complaint, over: not counted
    _complaint(engagement_app, pb, "opened", 1, complaint_id=complaint)  # redelivered: still one
    _churn(engagement_app, churn, "dormant", today - timedelta(days=5))
    _churn(engagement_app, churn, "aum_falling", today - timedelta(days=3))
    _churn(engagement_app, quiet, "dormant", today - timedelta(days=200))   # too old to count

    w = client.get(f"/api/v1/engagement/worklist?date={today.isoformat()}", headers=h).json
    ranked = [(i["customer_id"], i["score"]["total"], [r["code"] for r in i["reasons"]])
              for i in w["next_best_actions"]]
    assert ranked == [
        (pb, 31.2, ["open_complaint"]),
        (churn, 23.75, ["churn_signal", "no_recent_contact"]),
        (stale, 15.0, ["no_recent_contact"]),
        (never, 9.0, ["risk_assessment_missing", "never_contacted"]),
    ]
    first = w["next_best_actions"][0]
    assert first["score"] == {"value": 6.5, "risk": 3.0, "staleness": 0.2, "task": 0.0, "total": 31.2}
    assert first["reasons"][0]["count"] == 1 and first["manager_id"] == mid

    # the complaint resolved: off the list (the newer version wins, an older one cannot bring it back)
    _complaint(engagement_app, pb, "resolved", 3, complaint_id=complaint)
    _complaint(engagement_app, pb, "opened", 2, complaint_id=complaint)
    w = client.get(f"/api/v1/engagement/worklist?date={today.isoformat()}", headers=h).json
    assert pb not in {i["customer_id"] for i in w["next_best_actions"]}

    # who sees it: another manager neither gets these customers nor may ask for this list
    other, oh = manager()
    snapshot(engagement_app, other, tier="gold")
    theirs = client.get(f"/api/v1/engagement/worklist?date={today.isoformat()}", headers=oh).json
    assert {i["customer_id"] for i in theirs["next_best_actions"]}.isdisjoint({pb, churn, stale, never})
    assert client.get(f"/api/v1/engagement/worklist?manager_id={mid}", headers=oh).status_code == 404
    # the manager's supervisor sees the list; a supervisor of another team does not
    sup = supervisor([mid])
    seen = client.get(f"/api/v1/engagement/worklist?manager_id={mid}&date={today.isoformat()}", headers=sup).json
    assert [i["customer_id"] for i in seen["next_best_actions"]][:3] == [churn, stale, never]
    assert client.get(f"/api/v1/engagement/worklist?manager_id={mid}",
                      headers=supervisor([other])).status_code == 404


def test_plan_tasks_due_add_to_the_score(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    known_staff(mid, "manager", "sh", services=("engagement",))
    sup = supervisor([mid])
    today = today_local()
    cid = snapshot(engagement_app, mid, tier="gold", aum_band="10k_100k", risk_level="C2",
                   risk_valid_until=today + timedelta(days=300))
    _log(client, h, cid, 3)
    w = client.get("/api/v1/engagement/worklist", headers=h).json
    assert cid not in {i["customer_id"] for i in w["next_best_actions"]}       # nothing to do
    r = client.post("/api/v1/engagement/tasks", headers=sup, json={
        "owner_id": mid, "customer_id": cid, "title": "上门送资料", "due_on": (today + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.json
    [item] = [i for i in client.get("/api/v1/engagement/worklist", headers=h).json["next_best_actions"]
              if i["customer_id"] == cid]
    assert [r["code"] for r in item["reasons"]] == ["tasks_due"] and item["score"]["task"] == 1.0


def test_the_branch_weights_are_versioned_admin_configuration(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    _, mh = manager()
    url = "/api/v1/engagement/nba/weights"
    got = client.get(url, headers=ah)
    assert got.status_code == 200 and got.json["source"] == "default" and got.json["version"] is None
    assert got.json["weights"]["tier"]["diamond"] == 4.0
    assert client.put(url, headers=mh, json={"limit": 10, "reason": "r"}).status_code == 403
    assert client.put(url, headers=ah, json={"limit": 10}).status_code == 422          # no reason
    r = client.put(url, headers=ah, json={"risk": {"open_complaint": 5}, "reason": "投诉优先"})
    assert r.status_code == 200, r.json
    assert (r.json["source"], r.json["version"], r.headers["ETag"]) == ("custom", 1, '"1"')
    assert r.json["weights"]["risk"]["open_complaint"] == 5 and r.json["weights"]["risk"]["churn_signal"] == 2
    assert client.put(url, headers=ah, json={"limit": 10, "reason": "r"}).status_code == 428
    assert client.put(url, headers={**ah, "If-Match": '"7"'}, json={"limit": 10, "reason": "r"}).status_code == 412
    bad = client.put(url, headers={**ah, "If-Match": '"1"'},
                     json={"tier": {"gold": -1}, "staleness": {"stale_after_days": 2.5}, "reason": "r"})
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert client.put(url, headers={**ah, "If-Match": '"1"'},
                      json={"tier": {"bronze": 1}, "reason": "r"}).status_code == 422
    after = client.get(url, headers=ah).json
    assert after["version"] == 1 and after["weights"]["tier"]["gold"] == 2.0      # nothing changed
    r = client.put(url, headers={**ah, "If-Match": '"1"'}, json={"limit": 10, "reason": "每天十位"})
    assert r.status_code == 200 and r.json["version"] == 2 and r.json["weights"]["risk"]["open_complaint"] == 5
    # another branch still has the defaults
    assert client.get("/api/v1/engagement/nba/weights", headers=admin(new_id("b"))).json["source"] == "default"


def test_a_visits_agreed_next_appointment_becomes_a_planned_visit_once(engagement_app):
    from services.engagement import visits
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    now = datetime.now(timezone.utc)
    v = client.post("/api/v1/engagement/visits", headers=h, json={
        "customer_id": cid, "scheduled_at": (now - timedelta(hours=2)).isoformat(), "objective": "了解需求"}).json
    nxt = now + timedelta(days=7)
    r = client.post(f"/api/v1/engagement/visits/{v['id']}/record", headers={**h, "If-Match": '"1"'}, json={
        "notes": "客户有意向", "next_appointment_at": nxt.isoformat(),
        "visited_at": (now - timedelta(hours=1)).isoformat()})
    assert r.status_code == 200, r.json
    with engagement_app.app_context():
        stored = visits.store.require(v["id"])
        env = received(engagement_events.VISIT_RECORDED.new(v["id"], visits._data(stored)))
        made = visits.plan_next(env)   # None when a consumer of the suite made it first
        assert made is None or made.id == f"{v['id']}:next"
        assert visits.store.get(f"{v['id']}:next") is not None
        assert visits.plan_next(env) is None                       # redelivered: made once
    day = nxt.astimezone(timezone(timedelta(hours=8))).date().isoformat()
    planned = client.get(f"/api/v1/engagement/worklist?date={day}", headers=h).json["visits_planned"]
    assert [(p["id"], p["customer_id"], p["status"]) for p in planned] == [(f"{v['id']}:next", cid, "planned")]
    _, oh = manager()
    assert client.get(f"/api/v1/engagement/visits/{v['id']}:next", headers=oh).status_code == 404


def test_a_gift_issue_is_served_where_its_location_points(engagement_app):
    client = engagement_app.test_client()
    branch = new_id("b")
    ah = admin(branch)
    mid, h = manager()
    cid = snapshot(engagement_app, mid, branch=branch)
    gift = client.post("/api/v1/engagement/gifts", headers=ah, json={
        "name": f"台历{uuid.uuid4().hex[:4]}", "cost_cents": 1000, "stock": 5, "tiers": []}).json["id"]
    period = f"{date.today().year}-{date.today().month:02d}"
    assert client.post("/api/v1/engagement/budgets", headers=ah, json={
        "branch": branch, "period": period, "amount_cents": 100_000}).status_code == 201
    r = client.post(f"/api/v1/engagement/gifts/{gift}/issues", headers=h,
                    json={"customer_id": cid, "reason": "生日关怀", "request_id": uuid.uuid4().hex})
    assert r.status_code == 201, r.json
    got = client.get(r.headers["Location"], headers=h)
    assert got.status_code == 200 and got.json["id"] == r.json["id"] and got.json["customer_id"] == cid
    _, oh = manager()
    assert client.get(r.headers["Location"], headers=oh).status_code == 404          # not their customer
    missing = client.get("/api/v1/engagement/gift-issues/no-such-issue", headers=h)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/problem+json")


def _activity(client, h, **extra):
    r = client.post("/api/v1/engagement/activities", headers=h, json={
        "name": "理财沙龙", "type": "wealth_salon", "capacity": 2, "budget_cents": 10_000,
        "cost_per_head_cents": 5000, "starts_at": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat(),
        "location": "总行三楼", "segment": {"tags": [extra.pop("tag")]}, **extra})
    assert r.status_code == 201, r.json
    return r.json


def _outbox_events(app, aggregate_id, event_type):
    from services.engagement.activities import activities
    with app.app_context():
        rows = list(activities.outbox.find({"aggregate_id": aggregate_id})) + \
            list(activities.changes.find({"aggregate_id": aggregate_id}))
    # a record being settled may be in both collections for a moment: one event per id
    return list({e["id"]: e for r in rows for e in r.get("events") or [] if e["type"] == event_type}.values())


def test_an_activity_is_edited_with_if_match_and_cancelled_and_the_invitees_are_told(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    sup = supervisor([m1])
    tag = new_id("t")
    customers = [snapshot(engagement_app, m1, tags=[tag]) for _ in range(3)]
    a = _activity(client, sup, tag=tag)
    assert client.post(f"/api/v1/engagement/activities/{a['id']}/invitations", headers=sup).json["invited"] == 3
    for cid in customers:
        client.post(f"/api/v1/engagement/activities/{a['id']}/rsvp", headers=h1,
                    json={"customer_id": cid, "answer": "accept"})     # two seats, one waitlisted
    url = f"/api/v1/engagement/activities/{a['id']}"
    later = (datetime.now(timezone.utc) + timedelta(days=8)).isoformat()
    assert client.patch(url, headers=sup, json={"starts_at": later, "reason": "改期"}).status_code == 428
    assert client.patch(url, headers={**h1, "If-Match": '"1"'},
                        json={"location": "x", "reason": "r"}).status_code == 403
    far = as_user(new_id("s-"), ident.SUPERVISOR, branch="bj")                   # another branch's organiser
    assert client.patch(url, headers={**far, "If-Match": '"1"'},
                        json={"location": "x", "reason": "r"}).status_code == 404
    assert client.post(f"{url}/cancel", headers={**far, "If-Match": '"1"'}, json={"reason": "x"}).status_code == 404
    etag = client.get(url, headers=sup).headers["ETag"]
    over = client.patch(url, headers={**sup, "If-Match": etag}, json={"capacity": 5, "reason": "扩容"})
    assert over.status_code == 422 and "budget_cents" in over.json["errors"]       # 5 × 5000 > 10000
    assert client.get(url, headers=sup).json["capacity"] == 2                       # nothing changed
    r = client.patch(url, headers={**sup, "If-Match": etag},
                     json={"capacity": 3, "budget_cents": 15_000, "location": "分行二楼", "reason": "扩容改场地"})
    assert r.status_code == 200, r.json
    assert (r.json["capacity"], r.json["location"], r.json["seats_taken"]) == (3, "分行二楼", 3)   # waitlist moved up
    [changed] = _outbox_events(engagement_app, a["id"], "engagement.activity.changed")
    assert sorted(changed["data"]["changed_fields"]) == ["budget_cents", "capacity", "location"]
    assert changed["data"]["invited"] == 3 and "location" not in changed["data"]
    assert client.patch(url, headers={**sup, "If-Match": etag},
                        json={"name": "x", "reason": "r"}).status_code == 412     # stale
    etag = r.headers["ETag"]
    shrink = client.patch(url, headers={**sup, "If-Match": etag}, json={"capacity": 1, "reason": "缩减"})
    assert shrink.status_code == 409 and shrink.json["type"].endswith("capacity-below-seats")

    cancel = f"{url}/cancel"
    assert client.post(cancel, headers=sup, json={"reason": "台风"}).status_code == 428
    assert client.post(cancel, headers={**h1, "If-Match": etag}, json={"reason": "台风"}).status_code == 403
    assert client.post(cancel, headers={**sup, "If-Match": etag}, json={}).status_code == 422
    r = client.post(cancel, headers={**sup, "If-Match": etag}, json={"reason": "台风预警"})
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.json["cancel_reason"] == "台风预警"
    [cancelled] = _outbox_events(engagement_app, a["id"], "engagement.activity.cancelled")
    assert cancelled["data"]["invited"] == 3 and cancelled["data"]["status"] == "cancelled"
    again = client.post(cancel, headers={**sup, "If-Match": r.headers["ETag"]}, json={"reason": "x"})
    assert again.status_code == 409
    assert client.patch(url, headers={**sup, "If-Match": r.headers["ETag"]},
                        json={"name": "x", "reason": "r"}).status_code == 409
    rsvp = client.post(f"{url}/rsvp", headers=h1, json={"customer_id": customers[0], "answer": "decline"})
    assert rsvp.status_code == 409
    assert client.post("/api/v1/engagement/activities/no-such/cancel", headers={**sup, "If-Match": '"1"'},
                       json={"reason": "x"}).status_code == 404
