"""Complaint operations: open, act on the workflow, SLA escalation, confirmation timeout.

The workflow itself is ``rules``; this module turns it into store writes and events.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import overload

from pymongo.errors import DuplicateKeyError

from chassis import directory, identity
from chassis.errors import Problem, conflict, invalid
from chassis.exceptions import StaleVersion
from chassis.identity import Identity
from chassis.statemachine import IllegalTransition
from contracts import feedback as events

from . import policies, rules
from .bootstrap import ports
from .models import Breach, Complaint

log = logging.getLogger(__name__)
store = ports.complaints


def now() -> datetime:
    return datetime.now(timezone.utc)


@overload
def _aware(dt: datetime) -> datetime: ...
@overload
def _aware(dt: None) -> None: ...


def _aware(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt


def event_data(c: Complaint, **extra) -> dict:
    return {"complaint_id": c.id, "customer_id": c.customer_id, "manager_id": c.manager_id,
            "branch": c.branch, "tier": c.tier, "severity": c.severity, "category": c.category,
            "status": c.status, "cycle": c.cycle, "response_due": _aware(c.response_due),
            "resolution_due": _aware(c.resolution_due), **extra}


def open_complaint(data: dict, snapshot, who: Identity, at: datetime | None = None) -> Complaint:
    at = at or now()
    sla = policies.sla()
    due = rules.deadlines(sla["table"], data["severity"], snapshot.tier, at)
    data = {k: v for k, v in data.items() if k != "customer_id"}
    c = Complaint(id=str(uuid.uuid4()), customer_id=snapshot.id, manager_id=snapshot.manager_id,
                  branch=snapshot.branch, tier=snapshot.tier, status=rules.OPENED, cycle=1,
                  cycle_started_at=at, response_due=due.response_due, resolution_due=due.resolution_due,
                  **data)
    return store.create(c, who, [events.COMPLAINT_OPENED.new(c.id, event_data(c))],
                        channel=data.get("channel"), reason="complaint opened")


def _new_cycle(c: Complaint, at: datetime) -> None:
    """A reopened complaint gets a fresh resolution window; it is already in hand."""
    sla = policies.sla()
    due = rules.deadlines(sla["table"], c.severity, c.tier, at)
    c.cycle += 1
    c.cycle_started_at = at
    c.response_due = None
    c.resolution_due = due.resolution_due
    c.responded_at = c.responded_at or at
    c.outcome = None
    c.resolved_at = None
    c.resolved_within_sla = None
    c.confirmation = None
    c.closed_at = None


def act(complaint_id: str, expected_version: int | None, action: str, payload: dict,
        who: Identity, current: Complaint | None = None, at: datetime | None = None) -> Complaint:
    """Apply one workflow action; illegal transitions are 409, missing inputs 422."""
    at = at or now()
    if action == "assign":
        # Only an active member of staff within the caller's team or branch takes a complaint.
        directory.assignable(who, payload["assignee_id"], (identity.MANAGER, identity.SUPERVISOR, identity.ADMIN),
                             "assignee_id")

    def change(c: Complaint):
        if action == "confirm" and payload.get("confirmed") is False:
            step = "reject"
        else:
            step = action
        try:
            c.status = rules.COMPLAINTS.next(c.status, step)
        except IllegalTransition as exc:
            raise conflict(str(exc), slug="illegal-transition", status_now=c.status,
                           allowed=rules.COMPLAINTS.allowed(c.status)) from None
        c.last_note = payload.get("note") or c.last_note
        if step == "assign":
            c.assignee_id = payload["assignee_id"]
            return [events.COMPLAINT_ASSIGNED.new(c.id, event_data(c, assignee_id=c.assignee_id))]
        if step == "start":
            c.responded_at = c.responded_at or at
            return []
        if step == "resolve":
            outcome = (payload.get("outcome") or "").strip()
            if not outcome:
                raise invalid({"outcome": ["A resolution needs the outcome recorded."]})
            c.outcome = outcome
            c.resolved_at = at
            c.responded_at = c.responded_at or at
            c.resolved_within_sla = at <= _aware(c.resolution_due)
            return [events.COMPLAINT_RESOLVED.new(c.id, event_data(
                c, resolved_within_sla=c.resolved_within_sla))]
        if step in ("confirm", "auto_close"):
            c.confirmation = "customer" if step == "confirm" else "timeout"
            c.closed_at = at
            return [events.COMPLAINT_CLOSED.new(c.id, event_data(c, confirmation=c.confirmation))]
        if step in ("reject", "reopen"):
            if step == "reopen" and not (payload.get("reason") or "").strip():
                raise invalid({"reason": ["Say why the complaint is reopened."]})
            c.last_note = payload.get("reason") or payload.get("note") or c.last_note
            _new_cycle(c, at)
            return [events.COMPLAINT_REOPENED.new(c.id, event_data(c))]
        return []

    return store.update(complaint_id, expected_version, change, who, current=current,
                        reason=f"complaint {action}")


# --- periodic jobs ----------------------------------------------------------------------

def escalate_due(actor: Identity, at: datetime | None = None, recover_after: float = 60.0) -> int:
    """Escalate every open complaint near or past a deadline, once per breach.

    The unique insert of the breach record decides which worker escalates (atomic on
    FerretDB and MongoDB); the aggregate update is also guarded by the breach id, so a
    record left behind by a crash is completed later without a second event."""
    at = at or now()
    sla = policies.sla()
    fraction = float(sla["near_fraction"])
    escalated = 0
    coll = Breach._get_collection()
    for son in store.collection.find({"status": {"$in": list(rules.OPEN_STATUSES)}}):
        c = Complaint._from_son(son)
        checks = rules.due_checks(c.status, _aware(c.cycle_started_at), _aware(c.response_due),
                                  _aware(c.resolution_due), c.responded_at is not None, at, fraction)
        for kind, stage in checks:
            key = rules.breach_key(c.id, kind if stage == "breached" else f"{kind}_near", c.cycle)
            if key in (c.escalations or []):
                continue
            due = _aware(c.response_due if kind == "response" else c.resolution_due)
            try:
                coll.insert_one({"_id": key, "complaint_id": c.id, "deadline_kind": kind, "stage": stage,
                                 "cycle": c.cycle, "due": due, "detected_at": at,
                                 "detected_by": actor.user_id, "done": False})
            except DuplicateKeyError:
                other = coll.find_one({"_id": key})
                detected = _aware(other.get("detected_at")) if other else at
                if not other or other.get("done") or (now() - detected).total_seconds() < recover_after:
                    continue  # another worker has it
            if _escalate(c.id, key, kind, stage, due, actor):
                escalated += 1
            coll.update_one({"_id": key}, {"$set": {"done": True}})
    return escalated


def _escalate(complaint_id: str, key: str, kind: str, stage: str, due: datetime, actor: Identity) -> bool:
    done = {"v": False}

    def change(c: Complaint):
        if key in (c.escalations or []) or c.status not in rules.OPEN_STATUSES:
            return []
        c.escalations = [*(c.escalations or []), key]
        c.escalation_level = (c.escalation_level or 0) + 1
        done["v"] = True
        return [events.COMPLAINT_ESCALATED.new(c.id, event_data(
            c, deadline_kind=kind, stage=stage, due=due, escalation_level=c.escalation_level,
            escalated_to="supervisor", breach_id=key))]

    store.update_with_retry(complaint_id, change, actor, reason=f"SLA {kind} {stage}")
    return done["v"]


def auto_confirm(actor: Identity, at: datetime | None = None) -> int:
    """Close resolutions the customer left unanswered past the configured timeout."""
    at = at or now()
    hours = int(policies.sla()["confirm_timeout_hours"])
    limit = at - timedelta(hours=hours)
    closed = 0
    for son in store.collection.find({"status": rules.RESOLVED, "resolved_at": {"$lte": limit}}, {"_id": 1}):
        try:
            act(son["_id"], None, "auto_close", {"note": f"no answer within {hours}h"}, actor, at=at)
            closed += 1
        except StaleVersion:
            pass  # someone acted on it first: fine
        except Problem as p:
            if p.status != 409:  # an illegal step now (answered meanwhile): fine
                raise
    return closed
