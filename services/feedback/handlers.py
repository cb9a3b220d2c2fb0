"""Consumers of events (other services' and our own): thin, idempotent.

Follow-up invitations take the trigger event's id as their id, so a redelivery
creates nothing twice; snapshots are version guarded, satisfaction time guarded.
"""
from __future__ import annotations

from datetime import datetime, timezone

from chassis import directory
from chassis.events import Envelope
from chassis.identity import system
from contracts import customer as customer_events, engagement as engagement_events, feedback as feedback_events, staff

from . import books, snapshots, surveys

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


def on_customer_changed(envelope: Envelope) -> None:
    """Keep the snapshot; the customer's records follow them to their current manager."""
    snapshots.apply(envelope)
    snap = snapshots.get(envelope.subject)
    if snap is not None:
        books.follow(snap.id, snap.manager_id, snap.branch, ACTOR)


def on_visit_completed(envelope: Envelope) -> None:
    _follow_up(envelope, "visit", envelope.data["visit_id"])


def on_activity_attended(envelope: Envelope) -> None:
    if envelope.data.get("attended", True) is False:
        return  # attendance recorded as "did not come": nothing to follow up
    _follow_up(envelope, "activity", envelope.data["activity_id"])


def on_complaint_closed(envelope: Envelope) -> None:
    _follow_up(envelope, "complaint", envelope.data["complaint_id"])


def on_survey_responded(envelope: Envelope) -> None:
    surveys.record_satisfaction(envelope.data, ACTOR)


HANDLERS = {
    staff.USER_CHANGED.name: directory.apply,
    # every customer event carries the full snapshot: one order-safe handler for all
    customer_events.REGISTERED.name: snapshots.apply,
    customer_events.UPDATED.name: snapshots.apply,
    customer_events.TIER_CHANGED.name: snapshots.apply,
    customer_events.MANAGER_ASSIGNED.name: on_customer_changed,
    customer_events.ARCHIVED.name: snapshots.apply,
    engagement_events.VISIT_COMPLETED.name: on_visit_completed,
    engagement_events.INVITATION_ATTENDED.name: on_activity_attended,
    feedback_events.COMPLAINT_CLOSED.name: on_complaint_closed,
    feedback_events.SURVEY_RESPONDED.name: on_survey_responded,
}
