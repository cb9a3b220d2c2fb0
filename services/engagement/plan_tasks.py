"""Plan tasks (执行): made from an approved plan, handed down by a supervisor (上级交办),
completed by recorded work or by hand, and moved with their customer when it is reassigned."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from chassis import clock, directory, identity
from chassis.errors import conflict, invalid, not_found
from chassis.events import Envelope
from chassis.identity import Identity
from chassis.statemachine import IllegalTransition
from contracts import engagement as events

from . import plan_rules as rules, plan_scope, snapshots
from .bootstrap import ports
from .plan_models import Plan, PlanTask

store = ports.plan_tasks
plans = ports.plans
SYSTEM = identity.system("engagement")
BATCH = 500


def visible(task_id: str, who: Identity) -> PlanTask:
    """The task, when the caller sees its owner (own, team, branch); 404 otherwise."""
    t = store.get(task_id)
    if t is None or not who.can_see(t.manager_id, t.branch):
        raise not_found("task")
    return t


def _data(t: PlanTask) -> dict:
    return {"task_id": t.id, "plan_id": t.plan_id, "customer_id": t.customer_id, "manager_id": t.manager_id,
            "kind": t.kind, "source": t.source, "status": t.status, "due_on": t.due_on,
            "assigned_by": t.assigned_by, "completed_by": t.completed_by}


def hand_down(data: dict, who: Identity, customer: dict | None = None) -> PlanTask:
    """A supervisor (or admin) gives a team member a task directly: what, for which
    customer (optional, one the caller sees), by when."""
    who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
    owner = directory.assignable(who, data["owner_id"], (identity.MANAGER,), "owner_id")
    today = clock.today()
    if data["due_on"] < today:
        raise invalid({"due_on": ["A task handed down cannot be due in the past."]})
    kind = data.get("kind") or rules.HANDED_DOWN
    t = PlanTask(id=str(uuid.uuid4()), plan_id=None, customer_id=customer["id"] if customer else None,
                 manager_id=owner.user_id, branch=owner.branch or who.branch or None, kind=kind,
                 title=data["title"], due_on=data["due_on"], status=rules.OPEN, source="handed_down",
                 assigned_by=who.user_id,
                 # recorded work from today on may complete it (when it names a kind of work)
                 period_start=today)
    return store.create(t, who, [events.TASK_HANDED_DOWN.new(t.id, _data(t))], reason="handed down")


def complete(task_id: str, expected_version: int | None, who: Identity, *, by: str | None = None,
             at: datetime | None = None, note: str | None = None, current: PlanTask | None = None) -> PlanTask:
    """open → done, by a piece of recorded work (``by``) or by hand (the caller)."""
    def change(t: PlanTask) -> list[Envelope]:
        _step(t, "complete")
        t.completed_at = at or clock.now()
        t.completed_by = by or who.user_id
        if note:
            t.note = note
        return [events.TASK_COMPLETED.new(t.id, _data(t))]
    return store.update(task_id, expected_version, change, who, current=current,
                        reason="completed by recorded work" if by else "completed by hand")


def complete_by_hand(task_id: str, expected_version: int | None, note: str | None, who: Identity) -> PlanTask:
    t = visible(task_id, who)
    return complete(task_id, expected_version, who, note=note, current=t)


def _step(t: PlanTask, action: str) -> None:
    try:
        t.status = rules.TASKS.next(t.status, action)
    except IllegalTransition as exc:
        raise conflict(str(exc), slug="illegal-transition", state=exc.state, action=action,
                       allowed=rules.TASKS.allowed(exc.state)) from None


# --- the worker's side ---------------------------------------------------------------------
def generate(envelope: Envelope) -> int:
    """Handler of engagement.plan.approved / plan.revised: the period's tasks, made once
    (deterministic ids), then work already recorded in the period is matched to them."""
    from . import plan_work  # it completes tasks through this module: imported late, no cycle
    d = envelope.data
    plan: Plan | None = plans.get(d["plan_id"])
    if plan is None or plan.status != rules.APPROVED or plan.period_key != d["period_key"]:
        return 0   # a stale event: the plan has moved on; its current state made its own event
    period = rules.period_of(plan.period_kind, plan_work.day(plan.period_start))
    customers = [c for c in plan_scope.customers(plan) if c.get("manager_id")]
    rows = rules.tasks_for(plan.id, period, customers, plan.actions)
    made = 0
    for i in range(0, len(rows), BATCH):
        docs = [PlanTask(**r) for r in rows[i:i + BATCH]]
        created, _exists = store.create_many(docs, SYSTEM, lambda _t: [],
                                             reason=f"plan revision {plan.revision}, {period.key}")
        made += len(created)
    start, end = clock.day_bounds(period.start)[0], clock.day_bounds(period.end)[0]
    plan_work.reconcile([c["id"] for c in customers], start, end)
    return made


def follow_customer(envelope: Envelope) -> int:
    """After the customer's copy took the event: open plan tasks follow the customer to
    whoever manages it now. Reads the copy, not the event, so events out of order converge."""
    snap = snapshots.get(envelope.data.get("customer_id") or envelope.subject)
    if snap is None or not snap.manager_id:
        return 0
    moved = 0
    for t in PlanTask._get_collection().find({"customer_id": snap.id, "status": rules.OPEN, "source": "plan",
                                              "manager_id": {"$ne": snap.manager_id}}, {"_id": 1}):
        store.update_with_retry(t["_id"], _move_to(snap.manager_id, snap.branch), SYSTEM,
                                reason="customer reassigned")
        moved += 1
    return moved


def _move_to(manager_id: str, branch: str | None) -> Callable[[PlanTask], None]:
    def change(t: PlanTask) -> None:
        if t.status == rules.OPEN:
            t.manager_id, t.branch = manager_id, branch
    return change
