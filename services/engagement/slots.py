"""Counted resources as unique inserts: the one write FerretDB (and MongoDB) make atomic.

* stock: gift ``g`` has slots 0..stock_total-1; issuing claims one by inserting
  ``{_id: "g:n"}``. Two requests can never hold the same slot, so stock never
  goes below zero however many race.
* budget: an append-only ledger per budget; entry ``seq`` is ``{_id: "b:seq"}``
  and carries the running total. An entry is computed from entry ``seq-1`` and
  only one writer can insert ``seq``; a loser re-reads and tries ``seq+1``, so
  the running total is exact and checked against the amount before insert.
* seats: activity ``a`` has seats 0..capacity-1, claimed like stock.
* requests: ``{_id: key}`` taken before any claim, so one request claims once.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from chassis import db as dbmod
from chassis.errors import conflict

from .models import Gift

STOCK, LEDGER, SEATS, REQUESTS = "gift_stock_slots", "budget_ledger", "activity_seats", "gift_requests"
# Every read here is by owner (a gift, an activity) or budget: without these, a count of an
# activity's seats read every seat of every activity.
dbmod.declare_indexes({
    STOCK: [([("owner", 1), ("n", 1)], "by_owner")],
    SEATS: [([("owner", 1), ("n", 1)], "by_owner")],
    LEDGER: [([("budget", 1), ("seq", 1)], "by_budget")],
})


def _db():
    return Gift._get_collection().database


def _now():
    return datetime.now(timezone.utc)


# ----------------------------------------------------------------------------- generic slots
def _claim(coll_name: str, owner: str, total: int, holder: str) -> int | None:
    """Claim a free slot of ``owner`` (0..total-1) for ``holder``; None when all are taken."""
    coll = _db()[coll_name]
    taken = {d["n"] for d in coll.find({"owner": owner}, {"n": 1})}
    free = [n for n in range(total) if n not in taken]
    random.shuffle(free)  # racers spread over the free slots instead of all hitting the first
    for n in free:
        try:
            coll.insert_one({"_id": f"{owner}:{n}", "owner": owner, "n": n, "holder": holder, "at": _now()})
            return n
        except DuplicateKeyError:
            continue
    return None


def _release(coll_name: str, owner: str, n: int, holder: str) -> None:
    _db()[coll_name].delete_one({"_id": f"{owner}:{n}", "holder": holder})


def used(coll_name: str, owner: str) -> int:
    return _db()[coll_name].count_documents({"owner": owner})


def claim_stock(gift_id: str, total: int, holder: str) -> int | None:
    return _claim(STOCK, gift_id, total, holder)


def release_stock(gift_id: str, n: int, holder: str) -> None:
    _release(STOCK, gift_id, n, holder)


def stock_used(gift_id: str) -> int:
    return used(STOCK, gift_id)


def seat_of(activity_id: str, holder: str) -> int | None:
    d = _db()[SEATS].find_one({"owner": activity_id, "holder": holder})
    return d["n"] if d else None


def claim_seat(activity_id: str, capacity: int, holder: str) -> int | None:
    existing = seat_of(activity_id, holder)
    if existing is not None:
        return existing
    return _claim(SEATS, activity_id, capacity, holder)


def release_seat(activity_id: str, n: int, holder: str) -> None:
    _release(SEATS, activity_id, n, holder)


def seats_taken(activity_id: str) -> int:
    return used(SEATS, activity_id)


def seats_taken_of(activity_ids: list[str]) -> dict[str, int]:
    """Seats taken per activity, for a list of them in one read."""
    taken = dict.fromkeys(activity_ids, 0)
    for d in _db()[SEATS].find({"owner": {"$in": activity_ids}}, {"owner": 1}):
        taken[d["owner"]] += 1
    return taken


def seats_needed(activity_id: str) -> int:
    """The smallest capacity that keeps every seat held: the highest seat number + 1 (seats
    are numbered, so a capacity below a held number would let a claim exceed it)."""
    top = _db()[SEATS].find_one({"owner": activity_id}, {"n": 1}, sort=[("n", -1)])
    return top["n"] + 1 if top else 0


# ----------------------------------------------------------------------------- budget ledger
def _last_entry(budget_id: str) -> dict | None:
    return _db()[LEDGER].find_one({"budget": budget_id}, sort=[("seq", -1)])


def spent(budget_id: str) -> int:
    last = _last_entry(budget_id)
    return last["total"] if last else 0


def spend(budget_id: str, amount_cents: int, cost_cents: int, ref: str, attempts: int = 2000) -> int | None:
    """Append a spend; returns its sequence number, or None when the budget cannot cover it."""
    from .rules import budget_allows
    ledger = _db()[LEDGER]
    for _ in range(attempts):
        last = _last_entry(budget_id)
        seq, total = (last["seq"] + 1, last["total"]) if last else (1, 0)
        if not budget_allows(total, cost_cents, amount_cents):
            return None
        try:
            ledger.insert_one({"_id": f"{budget_id}:{seq}", "budget": budget_id, "seq": seq,
                               "amount": cost_cents, "total": total + cost_cents, "ref": ref, "at": _now()})
            return seq
        except DuplicateKeyError:
            time.sleep(random.uniform(0, 0.005))  # someone else took seq: re-read and retry
    raise conflict("The budget is too busy right now; retry.", slug="busy")


def refund(budget_id: str, cost_cents: int, ref: str) -> None:
    """A compensating entry (negative amount) on the same chain, never an edit."""
    ledger = _db()[LEDGER]
    while True:
        last = _last_entry(budget_id)
        seq, total = (last["seq"] + 1, last["total"]) if last else (1, 0)
        try:
            ledger.insert_one({"_id": f"{budget_id}:{seq}", "budget": budget_id, "seq": seq,
                               "amount": -cost_cents, "total": total - cost_cents, "ref": ref, "at": _now()})
            return
        except DuplicateKeyError:
            continue


# ----------------------------------------------------------------------------- request keys
def take_request(key: str) -> bool:
    """True for the first caller with this key, False for every later one."""
    try:
        _db()[REQUESTS].insert_one({"_id": key, "at": _now()})
        return True
    except DuplicateKeyError:
        return False


def drop_request(key: str) -> None:
    _db()[REQUESTS].delete_one({"_id": key})
