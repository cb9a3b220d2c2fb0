"""Recorded work completes plan tasks (执行, no second entry).

Every interaction, visit record, greeting, survey answer and activity attendance reaches the
engagement worker as an event and is logged once here (``plan_work``, id ``<kind>:<source
id>``, a unique insert), then completes the best open task it fulfils. The log is also what
plans are measured on (``plan_reads``), for plan customers and the comparison group alike.

Idempotent: a redelivered event finds its row; if the row has no task yet, a task already
completed by it is looked up before another is tried, so one piece of work never completes
two tasks. Order-safe: work that arrives before its plan's tasks exist stays unmatched and
is matched when the tasks are made (``reconcile``).
"""
from __future__ import annotations

from datetime import date, datetime

from pymongo.errors import DuplicateKeyError

from chassis import clock, identity
from chassis.errors import Problem
from chassis.events import Envelope
from chassis.exceptions import StaleVersion

from . import plan_rules as rules, plan_tasks
from .plan_models import PlanTask, PlanWork

SYSTEM = identity.system("engagement")


def _collection():
    return PlanWork._get_collection()


def as_day(value: date | datetime | None) -> date | None:
    """A stored DateField comes back from pymongo as a datetime at midnight."""
    return value.date() if isinstance(value, datetime) else value


def day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def task_row(doc: dict) -> dict:
    """A raw task row with ``id`` and plain dates, as the rules take it."""
    row = dict(doc)
    row["id"] = row.pop("_id")
    for k in ("due_on", "period_start", "period_end"):
        row[k] = as_day(row.get(k))
    return row


def record(kind: str, source_id: str, customer_id: str, at: datetime, csat: float | None = None) -> str | None:
    """Log one piece of work; returns the task it completed, if any."""
    wid = f"{kind}:{source_id}"
    at = clock.utc(at) or clock.now()
    try:
        _collection().insert_one({"_id": wid, "kind": kind, "customer_id": customer_id, "at": at,
                                  "csat": csat, "task_id": None})
    except DuplicateKeyError:
        row = _collection().find_one({"_id": wid}) or {}
        if row.get("task_id"):
            return str(row["task_id"])
        done = PlanTask._get_collection().find_one({"completed_by": wid}, {"_id": 1})
        if done is not None:
            _collection().update_one({"_id": wid}, {"$set": {"task_id": done["_id"]}})
            return str(done["_id"])
    return match(wid, kind, customer_id, at)


def match(wid: str, kind: str, customer_id: str, at: datetime) -> str | None:
    """Complete the best open task of this customer that the work fulfils; a task another
    worker completed meanwhile is skipped for the next one."""
    day = clock.local_date(at)
    for _ in range(5):
        rows = [task_row(t) for t in PlanTask._get_collection().find({"customer_id": customer_id,
                                                                       "status": rules.OPEN})]
        candidates = rules.pick_task(rows, kind, day)
        if not candidates:
            return None
        task = candidates[0]
        try:
            plan_tasks.complete(task["id"], task["version"], SYSTEM, by=wid, at=at)
        except (StaleVersion, Problem):
            continue   # lost the task to another piece of work: look again
        _collection().update_one({"_id": wid}, {"$set": {"task_id": task["id"]}})
        return task["id"]
    return None


def reconcile(customer_ids: list[str], start: datetime, end: datetime) -> int:
    """Match work logged before its tasks existed (the plan approved late, events out of order)."""
    matched = 0
    for row in _collection().find({"customer_id": {"$in": customer_ids}, "task_id": None,
                                   "at": {"$gte": start, "$lt": end}}).sort([("at", 1)]):
        if match(row["_id"], row["kind"], row["customer_id"], row["at"]):
            matched += 1
    return matched


# --- handlers: event in, work logged -------------------------------------------------------
def _occurred(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.occurred_at.replace("Z", "+00:00"))


def from_interaction(envelope: Envelope) -> None:
    d = envelope.data
    record("interaction", d["interaction_id"], d["customer_id"], d["occurred_at"])


def from_visit(envelope: Envelope) -> None:
    d = envelope.data
    record("visit", d["visit_id"], d["customer_id"], d.get("visited_at") or _occurred(envelope))


def from_greeting(envelope: Envelope) -> None:
    d = envelope.data
    record("greeting", d["greeting_id"], d["customer_id"], d["sent_at"])


def from_survey(envelope: Envelope) -> None:
    d = envelope.data
    record("survey", d["response_id"], d["customer_id"], d["responded_at"], d.get("csat"))


def from_attendance(envelope: Envelope) -> None:
    d = envelope.data
    if d.get("attended"):
        record("activity", d["invitation_id"], d["customer_id"], _occurred(envelope))
