"""The latest contact with each customer, kept as contacts happen.

The book's cadence (who is due, who is overdue), the worklist and next-best-action need
"when was each customer of this book last contacted". Read from the work itself that is
every interaction and visit of the book — about 5,000 documents per worklist at a
branch's size (500 customers, 10 interactions each) — so one small document per customer
is kept instead: logging an interaction, starting or recording a visit marks it at once
(the manager's own worklist reads its writes), and the service's own events mark it again
(the safety net if the process died between the write and the mark).

A mark is a local copy (``chassis.copies``, behind ``ports.last_contacts``: see
``contact_marks``) whose version is the contact time in milliseconds: a later contact
replaces it, an earlier or repeated one never does, in any order and under concurrent
writers. A visit's contact is its earliest known moment
(started, then recorded, possibly with an earlier ``visited_at``); the mark keeps the
latest moment seen, so a visit recorded as earlier than it was started leaves the start.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chassis.events import Envelope

from .bootstrap import ports
from .models import Interaction, Visit

marks = ports.last_contacts


def mark(customer_id: str | None, at: datetime | None) -> None:
    """Record a contact with the customer at ``at`` unless a later one is known."""
    if customer_id and at is not None:
        marks.mark(customer_id, at)


def from_event(envelope: Envelope) -> None:
    """An interaction logged or a visit recorded (this service's own events)."""
    data = envelope.data
    mark(data.get("customer_id"), data.get("occurred_at") or data.get("visited_at"))


def latest(customer_ids: Iterable[str]) -> dict[str, datetime]:
    """Customer id → time of the latest contact, for those ever contacted."""
    ids = list(customer_ids)
    return marks.latest(ids) if ids else {}


def backfill() -> int:
    """Marks from every interaction and started visit recorded before marks existed (run
    once per database by ``jobs.backfill``; safe to run twice or beside live marks)."""
    latest_at: dict[str, datetime] = {}
    for r in Interaction._get_collection().find({}, {"customer_id": 1, "occurred_at": 1}):
        _bump(latest_at, r.get("customer_id"), r.get("occurred_at"))
    for r in Visit._get_collection().find({"visited_at": {"$ne": None}}, {"customer_id": 1, "visited_at": 1}):
        _bump(latest_at, r.get("customer_id"), r.get("visited_at"))
    for cid, at in latest_at.items():
        mark(cid, at)
    return len(latest_at)


def _bump(acc: dict[str, datetime], cid: str | None, at: datetime | None) -> None:
    if cid and at is not None and (cid not in acc or at > acc[cid]):
        acc[cid] = at
