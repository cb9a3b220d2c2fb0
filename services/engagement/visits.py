"""Visits (客户拜访): plan, start, record, evaluate, cancel — the use cases.

A visit moves through ``rules.VISITS``; each step is a versioned change with the event
other services react to (feedback sends a satisfaction survey after a completed visit).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

from chassis import clock, identity
from chassis.errors import conflict, invalid
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity
from chassis.statemachine import IllegalTransition
from contracts import engagement as events

from . import contacts, rules, scope
from .bootstrap import ports
from .models import Visit

store = ports.visits
SYSTEM = identity.system("engagement")
PLAN_FIELDS = ("objective", "materials", "checklist", "opening", "expected_objections")


def visible(visit_id: str) -> Visit:
    """The visit, when its customer is in the caller's book now (404 otherwise)."""
    v = store.require(visit_id, "visit")
    scope.customer(v.customer_id, what="visit", read_through=False)   # the customer's current book decides
    return v


def plan(customer: dict, data: dict, who: Identity) -> Visit:
    vid = str(uuid.uuid4())
    v = Visit(id=vid, customer_id=customer["id"], manager_id=customer.get("manager_id"),
              branch=customer.get("branch"), kind=data["kind"], status=rules.PLANNED,
              scheduled_at=clock.utc(data["scheduled_at"]), plan={k: data[k] for k in PLAN_FIELDS if k in data})
    return store.create(v, who, [events.VISIT_PLANNED.new(vid, _data(v))])


def start(visit_id: str, expected_version: int | None, who: Identity) -> Visit:
    v = _step(visit_id, expected_version, "start", who, lambda v: setattr(v, "visited_at", clock.now()))
    contacts.mark(v.customer_id, v.visited_at)
    return v


def record(visit_id: str, expected_version: int | None, data: dict, who: Identity) -> Visit:
    data = dict(data)
    visited = clock.utc(data.pop("visited_at", None))
    nxt = clock.utc(data.get("next_appointment_at"))

    def apply(v: Visit) -> None:
        v.visited_at = visited or v.visited_at or clock.now()
        if nxt is not None and nxt <= v.visited_at:
            raise invalid({"next_appointment_at": ["The next appointment must come after this visit."]})
        v.record = {**data, "next_appointment_at": nxt}
    v = _step(visit_id, expected_version, "record", who, apply,
              lambda v: [events.VISIT_RECORDED.new(v.id, _data(v))])
    contacts.mark(v.customer_id, v.visited_at)
    return v


def evaluate(visit_id: str, expected_version: int | None, data: dict, who: Identity) -> Visit:
    def apply(v: Visit) -> None:
        v.evaluation = data
        v.completed_at = clock.now()
    return _step(visit_id, expected_version, "evaluate", who, apply, _completed)


def cancel(visit_id: str, expected_version: int | None, reason: str, who: Identity) -> Visit:
    return _step(visit_id, expected_version, "cancel", who, lambda v: setattr(v, "cancel_reason", reason),
                 lambda v: [events.VISIT_CANCELLED.new(v.id, _data(v))])


def _step(visit_id: str, expected_version: int | None, action: str, who: Identity,
          apply: Callable[[Visit], None], make_events: Callable[[Visit], list[Envelope]] = lambda v: []) -> Visit:
    current = visible(visit_id)

    def change(doc: Visit) -> list[Envelope]:
        try:
            doc.status = rules.VISITS.next(doc.status, action)
        except IllegalTransition as exc:
            raise conflict(str(exc), slug="illegal-transition", state=exc.state, action=action) from None
        apply(doc)
        return make_events(doc)
    return store.update(visit_id, expected_version, change, who, current=current)


def _data(v: Visit) -> dict:
    return {"visit_id": v.id, "customer_id": v.customer_id, "manager_id": v.manager_id, "status": v.status,
            "scheduled_at": v.scheduled_at, "visited_at": v.visited_at,
            "next_appointment_at": (v.record or {}).get("next_appointment_at")}


def _completed(v: Visit) -> list[Envelope]:
    return [events.VISIT_COMPLETED.new(v.id, {
        "visit_id": v.id, "customer_id": v.customer_id, "manager_id": v.manager_id,
        "completed_at": v.completed_at, "visited_at": v.visited_at,
        "rating": v.evaluation["rating"], "objective_met": v.evaluation["objective_met"]})]





def plan_next(envelope: Envelope) -> Visit | None:
    """engagement.visit.recorded: the next appointment the customer agreed to (真正获得客户的承诺)
    becomes a planned visit, so it is on the manager's worklist that day. One per recorded
    visit (id ``<visit>:next``): a redelivered event finds it made and changes nothing."""
    d = envelope.data
    at = d.get("next_appointment_at")
    if at is None:
        return None
    vid = f"{d['visit_id']}:next"
    if store.get(vid) is not None:
        return None
    source = store.get(d["visit_id"])
    if source is None:
        return None
    v = Visit(id=vid, customer_id=source.customer_id, manager_id=source.manager_id, branch=source.branch,
              kind="scheduled", status=rules.PLANNED, scheduled_at=clock.utc(at),
              plan={"objective": "next appointment agreed at the visit"})
    try:
        return store.create(v, SYSTEM, [events.VISIT_PLANNED.new(vid, _data(v))], reason="next appointment agreed")
    except AlreadyExists:
        return None   # made by another delivery at the same moment
