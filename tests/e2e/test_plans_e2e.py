"""Maintenance plans end to end (#12): one full loop 制定 → 执行 → 控制 → 评估 → 优化 through the
gateway, over simulated quarters, with time injected, never slept.

Time: the loop runs over three past quarters (the one before the plan's, the plan's, and the
next), so every piece of work can be recorded as it would have been — interactions with their
`occurred_at`, visits with their `visited_at` — and the days the loop looks at are passed in:
the worklist's `date`, the progress's `as_of`, the close's `as_of`. A plan approved after its
period ended is closed on demand only (the period-end job leaves it alone), so the worker's
job cannot close the quarter under the test's feet.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pika

from chassis.clock import today as local_today
from services.engagement import plan_rules
from tests import support

E = "/api/v1/engagement"
GOLD = {"financial": {"aum_cents": 80_000_00}}           # 80k CNY: gold


def _at(day: date, hour: int = 11) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def _register(client, **extra) -> str:
    return support.register_customer(client, f"{E}/customers/{{id}}/snapshot", **extra)


def _contact(client, cid: str, day: date) -> None:
    r = client.post(f"{E}/interactions", json={"customer_id": cid, "channel": "phone", "purpose": "季度回访",
                                               "occurred_at": _at(day)})
    assert r.status_code == 201, r.text


def _visit(client, cid: str, day: date) -> None:
    r = client.post(f"{E}/visits", json={"customer_id": cid, "objective": "资产配置沟通",
                                         "scheduled_at": _at(day, 10)})
    assert r.status_code == 201, r.text
    r = client.post(f"{E}/visits/{r.json()['id']}/record", headers={"If-Match": r.headers["ETag"]},
                    json={"notes": "客户关注养老规划", "visited_at": _at(day)})
    assert r.status_code == 200, r.text


def _tasks(client, **q) -> list[dict]:
    r = client.get(f"{E}/tasks", params={"limit": 200, **q})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _worklist(client, **params) -> dict:
    """The composed worklist with every part present: the first read of the plan collections in
    a freshly started service process creates their indexes, which on this loaded 2-core machine
    can outlast the gateway's upstream timeout once (the part is then `missing`, not wrong)."""
    def whole():
        view = client.get("/api/v1/views/worklist", params=params).json()
        return view if not view["missing"] else None
    return support.wait_for(whole, timeout=30, what="the whole worklist")


def _publish(env: dict) -> None:
    conn = pika.BlockingConnection(support.pika_params())
    conn.channel().basic_publish(support.EXCHANGE, env["type"], json.dumps(env),
                                 pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()


def _complaint_event(kind: str, cid: str, manager_id: str, complaint_id: str, **extra) -> dict:
    data = {"complaint_id": complaint_id, "customer_id": cid, "manager_id": manager_id, "branch": None,
            "tier": "gold", "severity": "high", "category": "service", "status": "opened", "cycle": 1,
            "response_due": None, "resolution_due": None, **extra}
    return {"id": str(uuid.uuid4()), "type": f"feedback.complaint.{kind}", "version": 1,
            "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "feedback", "subject": complaint_id,
            "correlation_id": None, "data": data}


def _summary(ev: dict) -> str:
    lines = [f"evaluation {ev['period_key']} (plan revision {ev['revision']}, as of {ev['as_of']}): "
             f"{ev['customers']} plan customers, {ev['comparison_customers']} in the comparison group; "
             f"tasks {ev['tasks']['done']}/{ev['tasks']['total']} done"]
    for g in ev["goals"]:
        lines.append(f"  {g['type']}: target {g['target']} achieved {g['achieved']} (met: {g['met']}); "
                     f"previous {ev['previous_period_key']} {g['previous']} (change {g['change']}); "
                     f"comparison {g['comparison']} vs {g['comparison_previous']} (change {g['comparison_change']}); "
                     f"effect {g['effect']}")
    for c in ev["change_effects"]:
        for g in c["goals"]:
            lines.append(f"  change {c['change']['suggestion_id']} ({c['change']['target']} {c['change']['action']} "
                         f"{c['change']['field']} {c['change']['old']} → {c['change']['new']}): {g['type']} "
                         f"{g['before']} → {g['after']}, effect net of the comparison group {g['effect']}")
    for s in ev["suggestions"]:
        lines.append(f"  suggestion {s['id']}: {s['reason']}")
    return "\n".join(lines)


def test_a_plan_runs_the_whole_loop_over_simulated_quarters(admin):
    branch = "pl" + uuid.uuid4().hex[:6]
    m1, m2, m3 = (support.new_user(admin, "manager", branch=branch) for _ in range(3))
    sup = support.new_user(admin, "supervisor", branch=branch, team=[m1.id, m2.id])
    a1, a2 = (_register(m1, **GOLD) for _ in range(2))
    b1, b2 = (_register(m2, **GOLD) for _ in range(2))
    c1, c2 = (_register(m3, **GOLD) for _ in range(2))       # same tier, outside the plan: comparison
    _register(m1)                                            # standard tier: not in the plan
    current = plan_rules.period_of("quarter", local_today())
    before = plan_rules.previous_period(plan_rules.previous_period(plan_rules.previous_period(
        plan_rules.previous_period(current))))
    q = plan_rules.next_period(before)                       # the plan's quarter
    after = plan_rules.next_period(q)                        # version 2's quarter, over before today
    day = lambda p, n: p.start + timedelta(days=n)           # noqa: E731

    # the quarter before: the baseline both groups are compared against
    for cid, m in ((a1, m1), (a2, m1), (b2, m2), (c1, m3), (c2, m3)):
        _contact(m, cid, day(before, 20))

    # 1. 制定 + 审批: the supervisor plans the team's gold customers and approves
    r = sup.post(f"{E}/plans", json={
        "name": "金卡客户季度维护方案", "scope": {"tiers": ["gold"]}, "period_kind": "quarter",
        "period_start": q.start.isoformat(),
        "goals": [{"key": "contacts", "type": "contacts_per_customer", "target": 3},
                  {"key": "visits", "type": "visits_per_customer", "target": 0.5}],
        "actions": [{"kind": "contact", "per_customer": 2}, {"kind": "visit", "per_customer": 1}],
        "thresholds": {"overdue_days": 14}})
    assert r.status_code == 201, r.text
    plan_id, etag = r.json()["id"], r.headers["ETag"]
    assert r.json()["scope"]["manager_ids"] == sorted([m1.id, m2.id]) and r.json()["status"] == "draft"
    assert m1.post(f"{E}/plans/{plan_id}/approve", json={}, headers={"If-Match": etag}).status_code == 403
    r = sup.post(f"{E}/plans/{plan_id}/submit", json={"reason": "季度计划"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    r = sup.post(f"{E}/plans/{plan_id}/approve", json={"reason": "同意执行"}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    for outsider in (m1, m3):                                # the owner is the supervisor: managers see tasks only
        assert outsider.get(f"{E}/plans/{plan_id}").status_code == 404
        assert outsider.get(f"{E}/plans/{plan_id}/progress").status_code == 404
    assert m3.get(f"{E}/plans/{plan_id}/evaluations").status_code == 404
    # a supervisor of another team (same branch) does not see the plan either: 404 for every route
    sup2 = support.new_user(admin, "supervisor", branch=branch, team=[m3.id])
    current_etag = {"If-Match": r.headers["ETag"]}
    for method, path, body in (("GET", "", None), ("PATCH", "", {"name": "x", "reason": "y"}),
                               ("GET", "/history", None), ("GET", "/evaluation", None),
                               ("POST", "/submit", {}), ("POST", "/approve", {}), ("POST", "/reject", {"reason": "x"}),
                               ("POST", "/close", {}), ("POST", "/revise", {"decisions": [], "reason": "x"})):
        assert sup2.request(method, f"{E}/plans/{plan_id}{path}", json=body,
                            headers=current_etag).status_code == 404, (method, path)
    for outsider in (m1, m3, sup2):
        assert plan_id not in {p["id"] for p in outsider.get(f"{E}/plans").json()["items"]}
    assert plan_id in {p["id"] for p in sup.get(f"{E}/plans", params={"status": "approved"}).json()["items"]}

    # 2. 执行: tasks per customer and owner, on the owners' worklists
    support.wait_for(lambda: len(_tasks(sup, plan_id=plan_id)) == 12, timeout=30, what="the plan's tasks")
    mine = _tasks(m1)
    assert {t["customer_id"] for t in mine if t["plan_id"] == plan_id} == {a1, a2}
    assert not _tasks(m3, plan_id=plan_id) and m3.get(f"{E}/tasks/{mine[0]['id']}").status_code == 404
    w = _worklist(m1, date=(q.last_day - timedelta(days=5)).isoformat())
    assert {t["customer_id"] for t in w["plan_tasks"] if t["plan_id"] == plan_id} == {a1, a2}, w["plan_tasks"]
    assert w["counts"]["plan_tasks"] == len(w["plan_tasks"])

    # 3. recorded interactions and visits complete them, with no second entry
    _contact(m1, a1, day(q, 10))
    _visit(m1, a1, day(q, 20))
    _contact(m1, a1, day(q, 50))
    _contact(m1, a2, day(q, 30))
    _contact(m2, b2, day(q, 40))
    _visit(m2, b2, day(q, 60))
    _contact(m3, c1, day(q, 30))
    support.wait_for(lambda: len(_tasks(sup, plan_id=plan_id, status="done")) == 6, timeout=30,
                     what="recorded work completing tasks")
    done = {(t["customer_id"], t["kind"]) for t in _tasks(sup, plan_id=plan_id, status="done")}
    assert done == {(a1, "contact"), (a1, "visit"), (a2, "contact"), (b2, "contact"), (b2, "visit")}
    assert all(t["completed_by"].split(":")[0] in ("interaction", "visit")
               for t in _tasks(sup, plan_id=plan_id, status="done"))

    # 4. a handed-down task (上级交办), done by its owner
    assert m1.post(f"{E}/tasks", json={"owner_id": m2.id, "title": "x", "due_on": local_today().isoformat()}
                   ).status_code == 403
    assert sup.post(f"{E}/tasks", json={"owner_id": m1.id, "customer_id": c1, "title": "x",   # not their customer
                                        "due_on": local_today().isoformat()}).status_code == 404
    assert sup2.post(f"{E}/tasks", json={"owner_id": m1.id, "title": "x",                    # not their team
                                         "due_on": local_today().isoformat()}).status_code == 422
    r = sup.post(f"{E}/tasks", json={"owner_id": m1.id, "customer_id": a2, "title": "陪同客户办理大额存单续存",
                                     "due_on": (local_today() + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    handed = r.json()
    assert m3.post(f"{E}/tasks/{handed['id']}/complete", json={}, headers={"If-Match": r.headers["ETag"]}
                   ).status_code == 404
    r = m1.post(f"{E}/tasks/{handed['id']}/complete", json={"note": "已办结"}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["status"] == "done", r.text

    # 5. 控制: b1 has had no contact: its task is late past the threshold, so the supervisor sees it
    mid = day(q, 70)
    prog = sup.get(f"{E}/plans/{plan_id}/progress", params={"as_of": mid.isoformat()}).json()
    contacts = next(g for g in prog["goals"] if g["key"] == "contacts")
    assert contacts["status"] in ("at_risk", "off_track") and prog["per_manager"][m2.id]["tasks"]["overdue"] >= 1
    live = sup.get(f"{E}/plans/{plan_id}/evaluation", params={"as_of": mid.isoformat()}).json()   # on demand
    assert [(g["key"], g["achieved"], g["previous"]) for g in live["goals"]][0] == ("contacts", 1.5, 0.75)
    sw = _worklist(sup, date=mid.isoformat())
    late = [d for d in sw["plan_deviations"] if d["kind"] == "task_overdue" and d["customer_id"] == b1]
    assert late and late[0]["escalated"] and late[0]["manager_id"] == m2.id and late[0]["days_overdue"] >= 14
    own = _worklist(m2, date=mid.isoformat())
    assert any(d.get("customer_id") == b1 for d in own["plan_deviations"])
    # ... with the complaints escalated to them (feedback.complaint.escalated), until resolved
    complaint = str(uuid.uuid4())
    _publish(_complaint_event("escalated", b1, m2.id, complaint, deadline_kind="resolution", stage="breached",
                              due=datetime.now(timezone.utc).isoformat(), escalation_level=1,
                              escalated_to="supervisor", breach_id=f"{complaint}:resolution:1"))
    support.wait_for(lambda: any(c["complaint_id"] == complaint for c in _worklist(sup)["escalated_complaints"]),
                     timeout=20, what="the escalated complaint on the supervisor's worklist")
    assert not _worklist(m2)["escalated_complaints"]
    _publish(_complaint_event("resolved", b1, m2.id, complaint, status="resolved", resolved_within_sla=False))
    support.wait_for(lambda: not any(c["complaint_id"] == complaint for c in _worklist(sup)["escalated_complaints"]),
                     timeout=20, what="the resolved complaint off the list")

    # 6. 评估: the quarter closes with an evaluation — target, previous quarter, comparison group
    early = sup.post(f"{E}/plans/{plan_id}/close", json={"as_of": q.last_day.isoformat()})
    assert early.status_code == 409 and early.json()["type"].endswith("period-not-over")
    assert m1.post(f"{E}/plans/{plan_id}/close", json={}).status_code == 403
    r = sup.post(f"{E}/plans/{plan_id}/close", json={"as_of": q.end.isoformat()})
    assert r.status_code == 200, r.text
    ev1 = r.json()
    print("\n" + _summary(ev1))
    print(json.dumps(ev1, ensure_ascii=False, indent=1))
    goals = {g["key"]: g for g in ev1["goals"]}
    assert (ev1["customers"], ev1["comparison_customers"]) == (4, 2)
    assert goals["contacts"] | {} == {**goals["contacts"], "achieved": 1.5, "met": False, "previous": 0.75,
                                      "comparison": 0.5, "comparison_previous": 1.0, "effect": 1.25}
    assert goals["visits"]["achieved"] == 0.5 and goals["visits"]["met"] is True
    [s1] = ev1["suggestions"]
    assert (s1["target"], s1["action"], s1["old"], s1["new"]) == ("action", "contact", 2, 3)
    assert sup.post(f"{E}/plans/{plan_id}/close", json={"as_of": q.end.isoformat()}).json()["id"] == ev1["id"]
    board = sup.get("/api/v1/views/team-dashboard", params={"from": q.start.isoformat(),
                                                            "to": q.last_day.isoformat()}).json()
    [mine_on_board] = [p for p in board["plans"] if p["plan_id"] == plan_id]
    assert mine_on_board["latest_evaluation"]["period_key"] == q.key and mine_on_board["tasks"]["total"] == 12

    # 7. 优化: the suggestion accepted into version 2, which runs the next quarter
    plan = sup.get(f"{E}/plans/{plan_id}")
    r = sup.post(f"{E}/plans/{plan_id}/revise", headers={"If-Match": plan.headers["ETag"]},
                 json={"decisions": [{"suggestion_id": "s1", "decision": "accept"}], "reason": "联系频次不足，加密"})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert (v2["revision"], v2["status"], v2["period_key"]) == (2, "approved", after.key)
    assert {"kind": "contact", "per_customer": 3} in v2["actions"] and v2["revisions"][-1]["changes"][0]["new"] == 3
    support.wait_for(lambda: len(_tasks(sup, plan_id=plan_id, status="open")) == 16 + 6, timeout=30,
                     what="version 2's tasks")       # 4 customers × (3 contacts + 1 visit), and 6 still open in q
    # a customer reassigned mid-plan takes its open tasks to the new manager
    cur = sup.get(f"/api/v1/customers/{b2}")
    r = sup.put(f"/api/v1/customers/{b2}/manager", json={"manager_id": m1.id, "reason": "调整分管"},
                headers={"If-Match": cur.headers["ETag"]})
    assert r.status_code == 200, r.text
    support.wait_for(lambda: {t["manager_id"] for t in _tasks(sup, plan_id=plan_id, customer_id=b2, status="open")}
                     == {m1.id}, timeout=30, what="b2's open tasks moving to the new manager")
    for cid, who, n in ((a1, m1, 3), (a2, m1, 3), (b1, m2, 2), (b2, m1, 3), (c1, m3, 1), (c2, m3, 1)):
        for i in range(n):
            _contact(who, cid, day(after, 10 + 25 * i))
    _visit(m1, a1, day(after, 15))
    _visit(m2, b1, day(after, 16))
    support.wait_for(lambda: len([t for t in _tasks(sup, plan_id=plan_id, status="done")
                                  if t["period_key"] == after.key]) == 13, timeout=40,
                     what="next quarter's work completing its tasks")
    r = sup.post(f"{E}/plans/{plan_id}/close", json={"as_of": after.end.isoformat()})
    assert r.status_code == 200, r.text
    ev2 = r.json()
    print("\n" + _summary(ev2))
    contacts2 = next(g for g in ev2["goals"] if g["key"] == "contacts")
    assert (contacts2["achieved"], contacts2["met"], contacts2["previous"]) == (3.25, True, 1.5)
    [effect] = ev2["change_effects"]
    assert effect["change"]["suggestion_id"] == "s1" and effect["change"]["new"] == 3
    assert [(g["key"], g["before"], g["after"], g["effect"]) for g in effect["goals"]] == [
        ("contacts", 1.5, 3.25, 1.25)]
    history = sup.get(f"{E}/plans/{plan_id}/history").json()
    assert [h["reason"] for h in history][:2] == [f"{after.key} evaluated", "联系频次不足，加密"]
    assert len(sup.get(f"{E}/plans/{plan_id}/evaluations").json()["items"]) == 2
