"""Who may see which customer here: the one rule on the identity, applied to the local
copy of the customer (snapshot), so records follow the customer's current book."""
from __future__ import annotations

from chassis import identity
from chassis.errors import invalid, not_found
from chassis.filters import all_of

from . import snapshots
from .snapshots import CustomerSnapshot


def customer(customer_id: str, what: str = "customer", read_through: bool = True) -> dict:
    """The caller's view of a customer from the snapshot; 404 when absent or not theirs.
    Records about a customer (visits, invitations, reminders) are checked through it,
    so they follow the customer's *current* book, not the one they were made in.

    A customer a request names that no event has brought yet (registered a moment ago)
    is read through from the customer service as the caller and kept (503 when that
    service does not answer in time). Checks of an existing record's customer pass
    ``read_through=False``: a record here implies its customer was known here."""
    who = identity.current()
    if read_through:
        snap = snapshots.known(customer_id)
    else:
        snap = CustomerSnapshot._get_collection().find_one({"_id": customer_id})
    if snap is None:
        raise not_found(what)
    who.ensure_can_see(snap.get("manager_id"), snap.get("branch"), what=what)
    snap["id"] = snap["_id"]
    return snap


def visible_customer_ids(manager_id: str | None = None) -> list[str] | None:
    """Ids of the customers the caller sees now (of one manager, when given);
    None means no restriction (bank-wide callers, no manager named)."""
    who = identity.current()
    if manager_id:
        who.ensure_can_see_manager(manager_id)
    query = all_of(who.scope_filter(), {"manager_id": manager_id} if manager_id else {})
    if not query:
        return None
    return [s["_id"] for s in CustomerSnapshot._get_collection().find(query, {"_id": 1})]


def manager_scope(manager_id: str | None) -> str:
    """The manager a worklist-like query is about; managers default to themselves."""
    who = identity.current()
    if not manager_id:
        if who.role == identity.MANAGER:
            return who.user_id
        raise invalid({"manager_id": ["Missing data for required field."]})
    who.ensure_can_see_manager(manager_id)
    return manager_id


def managers_scope(raw: str) -> list[str]:
    ids = [m.strip() for m in raw.split(",") if m.strip()]
    if not ids:
        raise invalid({"manager_ids": ["At least one manager id."]})
    who = identity.current()
    for m in ids:
        who.ensure_can_see_manager(m)
    return ids
