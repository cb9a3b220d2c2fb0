"""Maintenance plans' consumers on the real database: recorded work completes tasks once, in
whatever order the events come (work before the plan's tasks, redeliveries, a late older
customer event), and escalated complaints leave the supervisor's list once settled."""
import uuid
from datetime import date, datetime, timedelta, timezone

from chassis import identity as ident
from chassis.events import received
from contracts import customer as customer_events, engagement as events, feedback as feedback_events
from tests.integration.test_engagement_support import new_id, snapshot

Q = date(2026, 4, 1)      # 2026-Q2


def _interaction(cid: str, day: date):
    iid = str(uuid.uuid4())
    return received(events.INTERACTION_LOGGED.new(iid, {
        "interaction_id": iid, "customer_id": cid, "manager_id": None, "channel": "phone",
        "occurred_at": datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc), "follow_up_date": None}))


def _done(plan_id: str) -> list[dict]:
    from services.engagement.plan_models import PlanTask
    return list(PlanTask._get_collection().find({"plan_id": plan_id, "status": "done"}))


def test_work_completes_tasks_once_in_any_order_and_tasks_follow_the_customer(engagement_app):
    from services.engagement import plan_tasks, plan_work, plans, snapshots
    from services.engagement.plan_models import PlanTask, PlanWork
    ma, mb = new_id("m-"), new_id("m-")
    sup = ident.Identity(new_id("s-"), ident.SUPERVISOR, branch="sh", team=(ma, mb))
    cid = snapshot(engagement_app, ma, tier="platinum")
    with engagement_app.app_context():
        early = _interaction(cid, Q + timedelta(days=3))
        plan_work.from_interaction(early)                   # recorded before the plan's tasks exist
        assert PlanWork._get_collection().find_one({"customer_id": cid})["task_id"] is None
        p = plans.create({"name": "白金客户", "scope": {"tiers": ["platinum"], "customer_ids": []},
                          "period_kind": "quarter", "period_start": Q,
                          "goals": [{"type": "contacts_per_customer", "target": 2}],
                          "actions": [{"kind": "contact", "per_customer": 2}]}, sup)
        p = plans.approve(p.id, 1, None, sup)
        approved = received(events.PLAN_APPROVED.new(p.id, plans._data(p)))
        assert plan_tasks.generate(approved) == 2
        assert plan_tasks.generate(approved) == 0            # redelivered: nothing made twice
        [first] = _done(p.id)
        assert first["completed_by"] == f"interaction:{early.data['interaction_id']}"
        plan_work.from_interaction(early)                   # redelivered work completes nothing more
        assert len(_done(p.id)) == 1
        plan_work.from_interaction(_interaction(cid, Q + timedelta(days=200)))   # another period's work
        assert len(_done(p.id)) == 1
        second = _interaction(cid, Q + timedelta(days=40))
        assert plan_work.record("interaction", second.data["interaction_id"], cid, second.data["occurred_at"]) \
            == f"{p.id}:2026-Q2:{cid}:contact:2"
        assert len(_done(p.id)) == 2

        # reassigned: the open task follows; an older event arriving late moves nothing back
        p2 = plans.approve(plans.create({"name": "再一个", "scope": {"customer_ids": []}, "period_kind": "year",
                                         "period_start": Q, "goals": [{"type": "visits_per_customer", "target": 1}],
                                         "actions": [{"kind": "visit", "per_customer": 1}]}, sup).id, 1, None, sup)
        plan_tasks.generate(received(events.PLAN_APPROVED.new(p2.id, plans._data(p2))))
        moved = customer_events.MANAGER_ASSIGNED.new(cid, {**_snap(cid, mb), "previous_manager_id": ma},
                                                     subject_version=3)
        stale = customer_events.UPDATED.new(cid, {**_snap(cid, ma), "changed_fields": ["name"]}, subject_version=2)
        for env in (moved, stale, moved):
            snapshots.apply(received(env))
            plan_tasks.follow_customer(received(env))
        owners = {t["manager_id"] for t in PlanTask._get_collection().find({"customer_id": cid, "status": "open"})}
        assert owners == {mb}
        assert {t["manager_id"] for t in _done(p.id)} == {ma}      # done work stays where it was done


def _snap(cid: str, manager_id: str) -> dict:
    return {"customer_id": cid, "kind": "individual", "name": "客户", "tier": "platinum", "classes": [], "tags": [],
            "birth_date": None, "important_dates": [], "manager_id": manager_id, "branch": "sh",
            "preferred_channels": [], "status": "active"}


def _complaint(kind, complaint_id: str, manager_id: str, cycle: int = 1, **extra):
    et = {"escalated": feedback_events.COMPLAINT_ESCALATED, "resolved": feedback_events.COMPLAINT_RESOLVED}[kind]
    data = {"complaint_id": complaint_id, "customer_id": "c-x", "manager_id": manager_id, "branch": "sh",
            "tier": "gold", "severity": "high", "category": "service", "status": "opened", "cycle": cycle,
            "response_due": None, "resolution_due": None, **extra}
    return received(et.new(complaint_id, data))


def test_escalated_complaints_leave_the_supervisors_list_once_settled_in_any_order(engagement_app):
    from services.engagement import complaint_inbox, plan_reads
    m = new_id("m-")
    now = datetime.now(timezone.utc)
    esc = dict(deadline_kind="resolution", stage="breached", due=now, escalation_level=1, escalated_to="supervisor")
    with engagement_app.app_context():
        open_one, settled_first = new_id("cp-"), new_id("cp-")
        assert complaint_inbox.escalated(_complaint("escalated", open_one, m, breach_id=f"{open_one}:r:1", **esc))
        assert not complaint_inbox.escalated(_complaint("escalated", open_one, m, breach_id=f"{open_one}:r:1", **esc))
        complaint_inbox.settled(_complaint("resolved", settled_first, m, resolved_within_sla=False))
        complaint_inbox.escalated(_complaint("escalated", settled_first, m, breach_id=f"{settled_first}:r:1", **esc))
        assert [c["complaint_id"] for c in plan_reads.complaints_escalated([m])] == [open_one]
        # a reopened complaint (cycle 2) escalated again is back on the list
        complaint_inbox.escalated(_complaint("escalated", settled_first, m, cycle=2,
                                             breach_id=f"{settled_first}:r:2", **esc))
        assert {c["complaint_id"] for c in plan_reads.complaints_escalated([m])} == {open_one, settled_first}
