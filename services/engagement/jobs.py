"""Periodic work of the engagement worker.

``sweep_claims`` closes the crash gap of the slot design: a process that died after
claiming a gift slot, spending budget or taking a seat, but before writing the
issue or the invitation, leaves a claim nobody holds. After a grace period (far
longer than any request) such claims are given back. A refund is made once per
request even with several workers: the ``budget_refunds`` row is a unique insert.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from pymongo.errors import DuplicateKeyError

from . import activities, contacts, interactions, slots
from .models import Activity, GiftIssue, Interaction, Invitation

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=10)


def _old(grace: timedelta) -> dict:
    return {"at": {"$lt": datetime.now(timezone.utc) - grace}}


def refund_once(budget_id: str, cost_cents: int, ref: str) -> bool:
    try:
        slots._db()["budget_refunds"].insert_one({"_id": ref, "budget": budget_id, "at": datetime.now(timezone.utc)})
    except DuplicateKeyError:
        return False
    slots.refund(budget_id, cost_cents, ref)
    return True


def sweep_claims(grace: timedelta = GRACE) -> dict:
    db = slots._db()
    issued = lambda ref: GiftIssue._get_collection().find_one({"_id": ref}, {"_id": 1}) is not None  # noqa: E731
    done = {"stock": 0, "budget": 0, "requests": 0, "seats": 0}
    for s in db[slots.STOCK].find(_old(grace)):
        if not issued(s["holder"]):
            slots.release_stock(s["owner"], s["n"], s["holder"])
            done["stock"] += 1
    for e in db[slots.LEDGER].find({**_old(grace), "amount": {"$gt": 0}}):
        if not issued(e["ref"]) and refund_once(e["budget"], e["amount"], e["ref"]):
            done["budget"] += 1
    for r in db[slots.REQUESTS].find(_old(grace)):
        if not issued(r["_id"]):
            slots.drop_request(r["_id"])
            done["requests"] += 1
    freed = set()
    for s in db[slots.SEATS].find(_old(grace)):
        inv = Invitation._get_collection().find_one({"_id": s["holder"]}, {"status": 1, "seat_no": 1})
        if inv is None or inv.get("status") != "accepted" or inv.get("seat_no") != s["n"]:
            slots.release_seat(s["owner"], s["n"], s["holder"])
            freed.add(s["owner"])
            done["seats"] += 1
    for activity_id in freed:
        a = Activity.objects(id=activity_id).first()
        if a is not None and a.status == "planned":
            activities.promote_waitlist(a)
    if any(done.values()):
        log.warning("released claims left by interrupted requests", extra=done)
    return done


# One-off fills of what reads now rely on, for data written before it was kept: name → fill.
BACKFILLS = {"last_contacts-v1": contacts.backfill,
             "interactions.follow_up_day-v1": interactions.backfill_follow_up_days}


def backfill() -> dict:
    """Each fill once per database: a marker in ``migrations`` says it is done (a fill
    interrupted before its marker runs again, which each is safe to do). Name → rows filled."""
    done = Interaction._get_db()["migrations"]
    out = {}
    for name, fill in BACKFILLS.items():
        if done.find_one({"_id": name}):
            out[name] = 0
            continue
        out[name] = fill()
        done.update_one({"_id": name}, {"$set": {"filled": out[name], "done_at": datetime.now(timezone.utc)}},
                        upsert=True)
    return out
