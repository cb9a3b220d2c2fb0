"""Complaints escalated to the supervisor (feedback.complaint.escalated), for the supervisor's
worklist. Each escalation is kept once (its breach_id is the unique id); a resolution or
closure of the same cycle takes it off the list (kept once too, so the order the events
arrive in does not matter)."""
from __future__ import annotations

from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from chassis.events import Envelope

from .plan_models import ComplaintEscalation, SettledComplaint

FIELDS = ("complaint_id", "cycle", "customer_id", "manager_id", "branch", "severity", "category", "deadline_kind",
          "stage", "due", "escalation_level")


def _insert(collection, doc: dict) -> bool:
    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def escalated(envelope: Envelope) -> bool:
    d = envelope.data
    return _insert(ComplaintEscalation._get_collection(), {
        "_id": d["breach_id"], **{k: d.get(k) for k in FIELDS}, "received_at": datetime.now(timezone.utc)})


def settled(envelope: Envelope) -> bool:
    """Handler of feedback.complaint.resolved and .closed."""
    d = envelope.data
    return _insert(SettledComplaint._get_collection(),
                   {"_id": f"{d['complaint_id']}:{d['cycle']}", "at": datetime.now(timezone.utc)})
