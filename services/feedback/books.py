"""Records about a customer belong to the customer's current book.

When a customer is reassigned, their complaints (closed ones too), feedback and
survey invitations move with them, so the former manager stops seeing them and
the new one sees the whole story. Order-safe: the target comes from the snapshot
(always the newest customer version), not from the event being handled.
"""
from __future__ import annotations

import uuid

from chassis import identity
from chassis.identity import Identity
from contracts import feedback as events

from . import complaints, surveys
from .bootstrap import ports
from .models import Feedback

feedback = ports.feedback
FOLLOW_THE_CUSTOMER = (complaints.store, feedback, surveys.invitations)


def follow(customer_id: str, manager_id: str | None, branch: str | None, actor: Identity) -> int:
    moved = 0
    for store in FOLLOW_THE_CUSTOMER:
        stale = store.collection.find({"customer_id": customer_id, "$or": [{"manager_id": {"$ne": manager_id}},
                                                                          {"branch": {"$ne": branch}}]}, {"_id": 1})
        for son in stale:
            def move(doc):
                doc.manager_id, doc.branch = manager_id, branch
            store.update_with_retry(son["_id"], move, actor, reason="customer reassigned")
            moved += 1
    return moved


def record_feedback(data: dict, customer, who: Identity) -> Feedback:
    """One piece of feedback from any channel; it belongs to the customer's manager (or,
    without a customer, to the manager or supervisor who took it)."""
    fid = str(uuid.uuid4())
    owner = customer.manager_id if customer else (
        who.user_id if who.role in (identity.MANAGER, identity.SUPERVISOR) else None)
    doc = Feedback(id=fid, manager_id=owner, branch=customer.branch if customer else (who.branch or None),
                   recorded_by=who.user_id, **data)
    return feedback.create(doc, who, [events.FEEDBACK_RECEIVED.new(fid, {
        "feedback_id": fid, "customer_id": doc.customer_id, "manager_id": doc.manager_id,
        "channel": doc.channel, "category": doc.category})], channel=doc.channel)
