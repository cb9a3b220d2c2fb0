"""The engagement service end to end: the whole suite as processes, driven through the gateway.

Customers are created in the customer service; engagement learns them from its
events (no shared database), so every test first waits for the snapshot.
"""
import json
import threading
import uuid
from datetime import date, datetime, timedelta, timezone

import pika

from chassis.clock import today as local_today
from tests import support

E = "/api/v1/engagement"


def register(client, **extra) -> str:
    return support.register_customer(client, f"{E}/customers/{{id}}/snapshot", **extra)


def _birthday_today() -> str:
    t = local_today()
    return (date(1984, 2, 29) if (t.month, t.day) == (2, 29) else t.replace(year=1985)).isoformat()


def test_interactions_timeline_and_snapshot_follows_profile_edits(admin, manager):
    cid = register(manager, preferred_channels=["wechat"])
    for i, ch in enumerate(["phone", "wechat", "counter"]):
        r = manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": ch, "purpose": f"回访{i}",
                                                    "summary": "客户咨询定期存款", "outcome": "interested"})
        assert r.status_code == 201, r.text
    bad = manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": "telegram", "purpose": "x"})
    assert bad.status_code == 422 and "channel" in bad.json()["errors"]
    items = manager.get(f"{E}/customers/{cid}/interactions?limit=2").json()
    assert [i["channel"] for i in items["items"]] == ["counter", "wechat"] and items["next_cursor"]
    # a profile edit in the customer service reaches engagement's copy through its event
    etag = manager.get(f"/api/v1/customers/{cid}").headers["ETag"]
    r = manager.patch(f"/api/v1/customers/{cid}", json={"name": "改名后"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    support.wait_for(lambda: manager.get(f"{E}/customers/{cid}/snapshot").json()["name"] == "改名后", timeout=20,
                     what="snapshot updated")
    other = support.new_user(admin, "manager")
    assert other.get(f"{E}/customers/{cid}/interactions").status_code == 404


def test_visit_plan_record_evaluate_publishes_completed(manager):
    cid = register(manager)
    tap = support.ExchangeTap("engagement.visit.completed")
    try:
        r = manager.post(f"{E}/visits", json={"customer_id": cid, "objective": "养老规划",
                                              "scheduled_at": (datetime.now(timezone.utc)
                                                               + timedelta(hours=2)).isoformat(),
                                              "materials": ["计划书"], "expected_objections": ["收益低"]})
        assert r.status_code == 201, r.text
        vid = r.json()["id"]
        early = manager.post(f"{E}/visits/{vid}/evaluate", headers={"If-Match": r.headers["ETag"]},
                             json={"outcome": "x", "objective_met": True, "rating": 3})
        assert early.status_code == 409
        r = manager.post(f"{E}/visits/{vid}/record", headers={"If-Match": r.headers["ETag"]}, json={
            "notes": "客户有意向", "commitments": ["周五来网点"],
            "next_appointment_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()})
        assert r.status_code == 200, r.text
        r = manager.post(f"{E}/visits/{vid}/evaluate", headers={"If-Match": r.headers["ETag"]},
                         json={"outcome": "达成", "objective_met": True, "rating": 4, "lessons": "带上对比表"})
        assert r.status_code == 200 and r.json()["status"] == "completed"
        (_, _, env), = tap.wait(lambda e: e["subject"] == vid, timeout=20)
        assert env["data"]["customer_id"] == cid and env["data"]["rating"] == 4
    finally:
        tap.close()
    rolling = manager.get(f"{E}/visits/rolling").json()
    assert next(i for i in rolling["items"] if i["customer_id"] == cid)["last_visited_at"]


def test_cadence_and_worklist_contacts(admin, manager):
    cid = register(manager)   # never contacted: due now
    w = manager.get(f"{E}/worklist?manager_id={manager.id}").json()
    assert cid in {c["customer_id"] for c in w["contacts_due"] + w["contacts_overdue"]}
    manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": "phone", "purpose": "问候"})
    w = manager.get(f"{E}/worklist?manager_id={manager.id}").json()
    assert cid not in {c["customer_id"] for c in w["contacts_due"] + w["contacts_overdue"]}
    assert manager.put(f"{E}/cadence/tier/gold", json={"interval_days": 45}).status_code == 403
    rules = {r["key"]: r for r in admin.get(f"{E}/cadence").json()}
    assert rules["tier:diamond"]["interval_days"] == 30 and rules["tier:gold"]["interval_days"] >= 1


def test_birthday_greeting_due_sent_once(manager):
    cid = register(manager, birth_date=_birthday_today(), preferred_channels=["sms"])
    due = manager.get(f"{E}/greetings/due").json()["items"]
    item = next(d for d in due if d["customer_id"] == cid and d["occasion"] == "birthday")
    body = {"customer_id": cid, "occasion": "birthday", "year": item["year"], "channel": item["channel"]}
    assert manager.post(f"{E}/greetings", json=body).status_code == 201
    again = manager.post(f"{E}/greetings", json=body)
    assert again.status_code == 409 and again.json()["type"].endswith("already-greeted")
    assert not [d for d in manager.get(f"{E}/greetings/due").json()["items"]
                if d["customer_id"] == cid and d["occasion"] == "birthday"]
    cal = manager.get(f"{E}/holidays?year=2026").json()["holidays"]
    assert ({"spring_festival": "2026-02-17", "mid_autumn": "2026-09-25"}.items()
            <= {h["key"]: h["date"] for h in cal}.items())


def test_gift_issue_concurrent_retries_once_and_stock_holds(admin):
    branch = "e2e" + uuid.uuid4().hex[:6]
    manager = support.new_user(admin, "manager", branch=branch)   # the customer's branch is the manager's
    cid = register(manager)
    g = admin.post(f"{E}/gifts", json={"name": "定制台历", "cost_cents": 3000, "stock": 2})
    assert g.status_code == 201, g.text
    gid = g.json()["id"]
    period = f"{local_today().year}-{local_today().month:02d}"
    r = admin.post(f"{E}/budgets", json={"branch": branch, "period": period, "amount_cents": 100_000})
    assert r.status_code == 201
    key = uuid.uuid4().hex
    codes, barrier = [], threading.Barrier(10)

    def fire():
        barrier.wait()
        codes.append(manager.post(f"{E}/gifts/{gid}/issues",
                                  json={"customer_id": cid, "reason": "生日", "request_id": key}).status_code)
    ts = [threading.Thread(target=fire) for _ in range(10)]
    [t.start() for t in ts]
    [t.join(60) for t in ts]
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    assert manager.post(f"{E}/gifts/{gid}/issues", json={"customer_id": cid, "reason": "节日",
                                                        "request_id": uuid.uuid4().hex}).status_code == 201
    out = manager.post(f"{E}/gifts/{gid}/issues",
                       json={"customer_id": cid, "reason": "x", "request_id": uuid.uuid4().hex})
    assert out.status_code == 409 and out.json()["type"].endswith("out-of-stock")
    assert admin.get(f"{E}/gifts/{gid}").json()["available"] == 0
    assert len(manager.get(f"{E}/customers/{cid}/gifts").json()) == 2


def test_activity_invite_rsvp_attend_evaluate(admin, manager):
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    tag = "t" + uuid.uuid4().hex[:6]
    cids = [register(manager, tags=[tag]) for _ in range(3)]
    r = sup.post(f"{E}/activities", json={"name": "答谢会", "type": "thank_you_event", "capacity": 2,
                                          "budget_cents": 20000, "cost_per_head_cents": 10000,
                                          "starts_at": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat(),
                                          "segment": {"tags": [tag]}})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert sup.post(f"{E}/activities/{aid}/invitations").json()["invited"] == 3
    answers = [manager.post(f"{E}/activities/{aid}/rsvp", json={"customer_id": c, "answer": "accept"}).json()["status"]
               for c in cids]
    assert answers == ["accepted", "accepted", "waitlisted"]
    manager.post(f"{E}/activities/{aid}/rsvp", json={"customer_id": cids[0], "answer": "decline"})
    inv = {i["customer_id"]: i["status"] for i in sup.get(f"{E}/activities/{aid}/invitations").json()}
    assert inv[cids[2]] == "accepted"
    assert sup.post(f"{E}/activities/{aid}/attendance", json={"customer_ids": [cids[1]]}).json()["marked"] == [cids[1]]
    ev = sup.post(f"{E}/activities/{aid}/evaluation", json={"follow_up_actions": ["电话回访未到场客户"]}).json()
    assert ev["status"] == "evaluated" and ev["attendance_rate"] == 0.5


def test_core_banking_reminder_reaches_the_worklist_and_views(admin, manager):
    cid = register(manager)
    env = {"id": str(uuid.uuid4()), "type": "core.deposit.maturing", "version": 1,
           "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "core-banking", "subject": cid,
           "correlation_id": None, "data": {"customer_id": cid, "account_ref": "****4321",
                                            "maturity_date": (local_today() + timedelta(days=7)).isoformat(),
                                            "amount_cents": 50_000_000}}
    conn = pika.BlockingConnection(support.pika_params())
    conn.channel().basic_publish(support.EXCHANGE, env["type"], json.dumps(env),
                                 pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()
    support.wait_for(lambda: any(r["id"] == env["id"] for r in
                                 manager.get(f"{E}/worklist?manager_id={manager.id}").json()["account_reminders"]),
                     timeout=20, what="reminder on the worklist")
    manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": "phone", "purpose": "到期提醒"})
    s = manager.get(f"{E}/customers/{cid}/summary").json()
    assert s["recent_interactions"][0]["purpose"] == "到期提醒" and s["account_reminders"][0]["id"] == env["id"]
    # the customer 360 shows them too (it used to drop them)
    view = manager.get(f"/api/v1/views/customer-360/{cid}").json()
    assert [r["id"] for r in view["account_reminders"]] == [env["id"]]
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    t = local_today().isoformat()
    stats = sup.get(f"{E}/stats?manager_ids={manager.id}&from={t}&to={t}").json()
    assert stats["per_manager"][manager.id]["interactions"] >= 1 and stats["contact_coverage"]["overall"] > 0


def test_next_best_actions_and_known_work_on_the_composed_worklist(admin, manager):
    """Through the gateway: a customer never risk-assessed nor contacted surfaces (as a next best
    action with its reasons, and in risk_missing), the AUM band travels from the customer service
    (never the figure), follow-ups due are shown; another manager gets neither the item nor the
    customer, and may not ask for this worklist; the supervisor may."""
    cid = register(manager, financial={"aum_cents": 300_000_00})
    today = local_today().isoformat()

    def listed(client, **q):
        r = client.get("/api/v1/views/worklist", params={"date": today, **q})
        assert r.status_code == 200, r.text
        return r.json()
    item = support.wait_for(lambda: next((i for i in listed(manager)["next_best_actions"] or []
                                          if i["customer_id"] == cid), None), timeout=20, what="NBA item")
    assert [r["code"] for r in item["reasons"]] == ["risk_assessment_missing", "never_contacted"]
    assert item["aum_band"] == "100k_1m" and "aum_cents" not in item
    assert set(item["score"]) == {"value", "risk", "staleness", "task", "total"}
    w = listed(manager)
    assert cid in {r["customer_id"] for r in w["risk_missing"]} and w["counts"]["next_best_actions"] >= 1
    r = manager.post(f"{E}/interactions", json={"customer_id": cid, "channel": "phone", "purpose": "产品介绍",
                                                "follow_up_date": today})
    assert r.status_code == 201, r.text
    w = listed(manager)
    assert [f["id"] for f in w["follow_ups_due"]] == [r.json()["id"]]
    assert [x["code"] for x in next(i for i in w["next_best_actions"] if i["customer_id"] == cid)["reasons"]] == \
        ["risk_assessment_missing"]                                   # contacted now
    other = support.new_user(admin, "manager")
    theirs = listed(other)
    assert cid not in {i["customer_id"] for i in theirs["next_best_actions"]}
    assert cid not in {i["customer_id"] for i in theirs["risk_missing"]}
    assert other.get("/api/v1/views/worklist", params={"manager_id": manager.id}).status_code == 404
    assert other.get(f"/api/v1/customers/{cid}").status_code == 404
    sup = support.new_user(admin, "supervisor", team=[manager.id])
    assert cid in {i["customer_id"] for i in listed(sup, manager_id=manager.id)["next_best_actions"]}
