"""Care occasions computed on read from the snapshots; sending inserts a greeting once.

Why compute on read instead of a periodic job that precomputes greetings: the
snapshot may change (birthday corrected, manager reassigned) up to the day
itself, and a computed list is always current; the once-only guarantee does not
need a precomputed row, it comes from the greeting's deterministic id.
"""
from __future__ import annotations

from datetime import date, timedelta

from pymongo.errors import DuplicateKeyError

from chassis import clock
from chassis.errors import conflict, invalid
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity
from contracts import engagement as events

from . import rules
from .bootstrap import ports
from .models import Greeting

greetings = ports.greetings


def sent_ids(customer_ids, years) -> set[str]:
    ids = list(customer_ids)
    if not ids:
        return set()
    return {r["_id"] for r in Greeting._get_collection().find(
        {"customer_id": {"$in": ids}, "year": {"$in": list(years)}}, {"_id": 1})}


def due(customers: list[dict], start: date, days: int = 0) -> list[dict]:
    """Occasions from ``start`` to ``start + days`` not yet greeted, for these customers."""
    end = start + timedelta(days=days)
    done = sent_ids([c["id"] for c in customers], range(start.year, end.year + 1))
    out = []
    for c in customers:
        for o in rules.occasions_between(c, start, end):
            gid = rules.greeting_id(o.key, o.date.year, c["id"])
            if gid in done:
                continue
            out.append({"greeting_id": gid, "customer_id": c["id"], "name": c.get("name"),
                        "manager_id": c.get("manager_id"), "occasion": o.key, "kind": o.kind, "label": o.label,
                        "date": o.date.isoformat(), "year": o.date.year,
                        "channel": rules.pick_channel(c.get("preferred_channels"))})
    out.sort(key=lambda i: (i["date"], i["customer_id"], i["occasion"]))
    return out


def send(customer: dict, data: dict, who: Identity) -> Greeting:
    """Record that the customer was greeted for an occasion of a year; once per occasion."""
    occasion = next((o for o in rules.occasions(customer, data["year"]) if o.key == data["occasion"]), None)
    if occasion is None:
        raise invalid({"occasion": [f"{data['occasion']} is not an occasion of this customer in {data['year']}."]})
    gid = rules.greeting_id(occasion.key, data["year"], customer["id"])
    now = clock.now()
    g = Greeting(id=gid, customer_id=customer["id"], manager_id=customer.get("manager_id"), occasion=occasion.key,
                 kind=occasion.kind, label=occasion.label, year=data["year"], occasion_date=occasion.date,
                 channel=data["channel"], sent_at=now, sent_by=who.user_id, note=data.get("note"))
    try:
        return greetings.create(g, who, [events.GREETING_SENT.new(gid, {
            "greeting_id": gid, "customer_id": g.customer_id, "manager_id": g.manager_id,
            "occasion": g.occasion, "kind": g.kind, "year": g.year, "channel": g.channel, "sent_at": now})],
            channel=g.channel)
    except AlreadyExists:
        raise conflict("This customer was already greeted for this occasion.", slug="already-greeted",
                       greeting_id=gid) from None
    except DuplicateKeyError:
        raise conflict("This customer was already greeted for this occasion.", slug="already-greeted") from None
