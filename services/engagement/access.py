"""Who may see what, and small conversions shared by the HTTP modules."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from chassis import identity
from chassis.errors import invalid, not_found
from chassis.filters import all_of

from .snapshots import CustomerSnapshot

# The bank's calendar day: greetings and worklists follow Beijing time, not UTC.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def local_date(dt: datetime) -> date:
    aware = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt
    return aware.astimezone(LOCAL_TZ).date()


def day_bounds(d: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC."""
    from datetime import timedelta
    start = datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def customer(customer_id: str, what: str = "customer") -> dict:
    """The caller's view of a customer from the snapshot; 404 when absent or not theirs.
    Records about a customer (visits, invitations, reminders) are checked through it,
    so they follow the customer's *current* book, not the one they were made in."""
    who = identity.current()
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


def out(doc) -> dict:
    """A mongoengine document or raw row as a dict with ``id``."""
    d = doc if isinstance(doc, dict) else doc.to_mongo().to_dict()
    d = dict(d)
    d["id"] = d.pop("_id", d.get("id"))
    return d
