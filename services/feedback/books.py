"""Records about a customer belong to the customer's current book.

When a customer is reassigned, their complaints (closed ones too), feedback and
survey invitations move with them, so the former manager stops seeing them and
the new one sees the whole story. Order-safe: the target comes from the snapshot
(always the newest customer version), not from the event being handled.
"""
from __future__ import annotations

from chassis.identity import Identity
from chassis.store import AggregateStore

from . import complaints, surveys
from .models import Feedback

feedback = AggregateStore(Feedback, "feedback")
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
