"""Interactions (客户沟通): logging a contact, the use case behind POST /interactions."""
from __future__ import annotations

import uuid
from datetime import timedelta

from chassis import clock
from chassis.errors import invalid
from chassis.identity import Identity
from contracts import engagement as events

from . import contacts
from .bootstrap import ports
from .models import Interaction

store = ports.interactions
FUTURE_TOLERANCE = timedelta(minutes=5)   # clocks of phones in the field drift


def log(customer: dict, data: dict, who: Identity) -> Interaction:
    """Record one contact with a customer (the caller's view of its snapshot)."""
    data = dict(data)
    occurred = clock.utc(data.pop("occurred_at", None)) or clock.now()
    if occurred > clock.now() + FUTURE_TOLERANCE:
        raise invalid({"occurred_at": ["A contact cannot be logged in the future."]})
    iid = str(uuid.uuid4())
    doc = Interaction(id=iid, manager_id=customer.get("manager_id"), branch=customer.get("branch"),
                      occurred_at=occurred, recorded_by=who.user_id, **data)
    if doc.follow_up_date:
        doc.follow_up_day = doc.follow_up_date.isoformat()
    saved = store.create(doc, who, [events.INTERACTION_LOGGED.new(iid, {
        "interaction_id": iid, "customer_id": doc.customer_id, "manager_id": doc.manager_id,
        "channel": doc.channel, "occurred_at": occurred, "follow_up_date": doc.follow_up_date})],
        channel=doc.channel)
    contacts.mark(saved.customer_id, occurred)
    return saved


def backfill_follow_up_days() -> int:
    """``follow_up_day`` on interactions logged before it existed (run once per database by
    ``jobs.backfill``)."""
    coll = Interaction._get_collection()
    n = 0
    for r in coll.find({"follow_up_date": {"$ne": None}, "follow_up_day": None}, {"follow_up_date": 1}):
        coll.update_one({"_id": r["_id"]}, {"$set": {"follow_up_day": r["follow_up_date"].date().isoformat()}})
        n += 1
    return n
