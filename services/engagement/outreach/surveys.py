"""Feedback's survey invitations, kept so a survey campaign can send them (idempotent)."""
from __future__ import annotations

from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from chassis.events import Envelope

from .models import SurveyInvite


def apply(envelope: Envelope) -> bool:
    d = envelope.data
    try:
        SurveyInvite._get_collection().insert_one({
            "_id": d["invitation_id"], "survey_id": d["survey_id"], "customer_id": d["customer_id"],
            "manager_id": d.get("manager_id"), "distribution_id": d["distribution_id"],
            "received_at": datetime.now(timezone.utc)})
        return True
    except DuplicateKeyError:
        return False
