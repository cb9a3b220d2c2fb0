"""A manager's book of customers and when each was last contacted (reads only)."""
from __future__ import annotations

from datetime import date, datetime

from chassis import clock
from chassis.clock import local_date

from . import cadence, contacts, rules
from .models import Interaction, Visit
from .snapshots import CustomerSnapshot


def customers_of(manager_ids) -> list[dict]:
    rows = CustomerSnapshot._get_collection().find(
        {"manager_id": {"$in": list(manager_ids)}, "status": {"$ne": "archived"}})
    out = []
    for r in rows:
        r["id"] = r["_id"]
        out.append(r)
    return out


def last_contacts(customer_ids, until: datetime | None = None) -> dict[str, datetime]:
    """Latest interaction or visit per customer: the marks kept as contacts happen
    (``contacts``), or, as of an ``until`` in the past, read from the work itself."""
    if until is None or until >= clock.now():
        return contacts.latest(customer_ids)   # no contact is recorded after now
    ids = list(customer_ids)
    latest: dict[str, datetime] = {}
    if not ids:
        return latest

    def bump(cid, at):   # $max is not in FerretDB's $group: done here
        if at is not None and at <= until and (cid not in latest or at > latest[cid]):
            latest[cid] = at
    for r in Interaction._get_collection().find({"customer_id": {"$in": ids}, "occurred_at": {"$lte": until}},
                                                {"customer_id": 1, "occurred_at": 1}):
        bump(r["customer_id"], r.get("occurred_at"))
    for r in Visit._get_collection().find({"customer_id": {"$in": ids}, "visited_at": {"$ne": None, "$lte": until}},
                                          {"customer_id": 1, "visited_at": 1}):
        bump(r["customer_id"], r.get("visited_at"))
    return latest


def contact_status(manager_id: str, day: date, book: list[dict] | None = None,
                   last: dict[str, datetime] | None = None) -> tuple[list[dict], list[dict]]:
    """(due, overdue) customers of one manager on ``day`` (``book``: their customers, and
    ``last``: their latest contacts, when the caller has read them already)."""
    book = customers_of([manager_id]) if book is None else book
    last = last_contacts([c["id"] for c in book]) if last is None else last
    intervals = cadence.intervals()
    due: list[dict] = []
    overdue: list[dict] = []
    for c in book:
        interval = rules.interval_days(c.get("tier"), c.get("classes"), intervals)
        lc = last.get(c["id"])
        st = rules.cadence_status(local_date(lc) if lc else None, interval, day)
        if st.status == "ok":
            continue
        item = {"customer_id": c["id"], "name": c.get("name"), "tier": c.get("tier"),
                "interval_days": interval, "last_contact_at": lc, "due_on": st.due_on.isoformat(),
                "days_overdue": st.days_overdue,
                "channel": rules.pick_channel(c.get("preferred_channels"), "phone")}
        (overdue if st.status == "overdue" else due).append(item)
    overdue.sort(key=lambda i: -i["days_overdue"])
    due.sort(key=lambda i: i["due_on"])
    return due, overdue
