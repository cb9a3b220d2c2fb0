"""Consumers of events (other services' and our own): thin, idempotent.

Follow-up invitations take the trigger event's id as their id, so a redelivery
creates nothing twice; snapshots and satisfaction are version/time guarded.
"""
from __future__ import annotations

from datetime import datetime, timezone

from chassis.events import Envelope, catalogue
from chassis.identity import system
from contracts import customer as customer_events
from contracts import feedback as feedback_events

from . import snapshots, surveys

ACTOR = system("feedback")


def _at(envelope: Envelope) -> datetime:
    try:
        return datetime.fromisoformat(envelope.occurred_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return datetime.now(timezone.utc)


def _follow_up(envelope: Envelope, trigger: str, context_id: str) -> None:
    data = envelope.data
    surveys.follow_up(envelope.id, data["customer_id"], {"type": trigger, "id": context_id}, trigger,
                      _at(envelope), ACTOR, manager_id=data.get("manager_id"))


def on_visit_completed(envelope: Envelope) -> None:
    _follow_up(envelope, "visit", envelope.data.get("visit_id") or envelope.subject)


def on_activity_attended(envelope: Envelope) -> None:
    _follow_up(envelope, "activity", envelope.data.get("activity_id") or envelope.subject)


def on_complaint_closed(envelope: Envelope) -> None:
    _follow_up(envelope, "complaint", envelope.data["complaint_id"])


def on_survey_responded(envelope: Envelope) -> None:
    surveys.record_satisfaction(envelope.data, ACTOR)


HANDLERS = {
    customer_events.REGISTERED.name: snapshots.apply,
    feedback_events.COMPLAINT_CLOSED.name: on_complaint_closed,
    feedback_events.SURVEY_RESPONDED.name: on_survey_responded,
}


def _declared_for_us(name: str) -> bool:
    et = catalogue().get(name)
    return et is not None and "feedback" in et.consumers


# Customer changes carry the full snapshot: one order-safe handler for all of them.
# Registered once their producer declares them with us as consumer (the catalogue is the contract).
for _name in ("customer.customer.updated", "customer.tier.changed", "customer.manager.assigned",
              "customer.customer.archived"):
    if _declared_for_us(_name):
        HANDLERS[_name] = snapshots.apply

for _name, _fn in (("engagement.visit.completed", on_visit_completed),
                   ("engagement.activity.attended", on_activity_attended)):
    if _declared_for_us(_name):
        HANDLERS[_name] = _fn
