"""Who may see which customer and records here: the one rule on the identity, applied to
the local copy of the customer (snapshot)."""
from __future__ import annotations

from chassis.errors import invalid, not_found
from chassis.identity import Identity

from . import snapshots


def visible_filter(who: Identity, field: str = "manager_id") -> dict:
    """Mongo filter for the records this caller may list: the one rule on the identity."""
    return who.scope_filter(manager_field=field)


def customer_for_write(customer_id: str, who: Identity, field: str = "customer_id"):
    """The caller's view of a customer from the local snapshot (422 when not known here).
    A customer no event has brought yet (registered a moment ago) is read through from
    the customer service as the caller and kept; 503 when that service does not answer."""
    snap = snapshots.known(customer_id)
    if snap is None:
        raise invalid({field: ["Unknown customer (or not yet known to the feedback service)."]})
    if not who.can_see(snap.manager_id, snap.branch):
        # same answer as for an unknown id: no hint that someone else's customer exists
        raise invalid({field: ["Unknown customer (or not yet known to the feedback service)."]})
    if snap.status == "archived":
        raise invalid({field: ["The customer is archived."]})
    return snap


def customer_for_read(customer_id: str, who: Identity):
    """The caller's customer for a read about it (read through like a write); 404 when
    absent or not theirs."""
    snap = snapshots.known(customer_id)
    if snap is None:
        raise not_found("customer")
    who.ensure_can_see(snap.manager_id, snap.branch)
    return snap


def requested_managers(who: Identity, raw: str | None) -> set[str] | None:
    """manager_ids=a,b from the query, each visible to the caller (404 otherwise)."""
    visible = who.manager_ids_visible()
    if not raw:
        return visible
    ids = {m.strip() for m in raw.split(",") if m.strip()}
    for m in ids:
        who.ensure_can_see_manager(m)
    return ids
