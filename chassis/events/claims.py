"""Which relay settles a record: claims made by unique inserts.

Two or more relays (several workers of one service) read the same outbox. FerretDB
applies updates as read-then-write, so "mark it as mine" with a conditional update
could let both win; an insert against the unique ``_id`` cannot. A relay therefore
inserts ``<record id>#1`` into ``outbox_claims`` before it touches a record, and
whoever gets a duplicate key leaves the record alone.

A claim is a lease: a relay that died holding one must not block the record for
ever. A claim older than ``lease`` is taken over by inserting the next generation
(``#2``, ...), again a unique insert, so exactly one relay takes it over. Claims are
deleted (every generation) once the record is settled or given back; a relay
that wins a claim afterwards finds the record in history (``relay.settle`` then
calls it void), because the relay settles before it gives its claims back.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

CLAIMS = "outbox_claims"
MAX_GENERATIONS = 20  # a record whose claimant died 20 times in a row waits for an operator


def claim(db: Database, record_id: str, lease: timedelta, owner: str) -> int | None:
    """The generation this caller now holds for ``record_id``, or None if another holds it."""
    now = datetime.now(timezone.utc)
    for generation in range(1, MAX_GENERATIONS + 1):
        try:
            db[CLAIMS].insert_one({"_id": f"{record_id}#{generation}", "record": record_id,
                                   "at": now, "owner": owner})
            return generation
        except DuplicateKeyError:
            held = db[CLAIMS].find_one({"_id": f"{record_id}#{generation}"}, {"at": 1})
            if held is None:
                return None  # given back a moment ago: the holder settled it or let it wait
            at = held["at"] if held["at"].tzinfo else held["at"].replace(tzinfo=timezone.utc)
            if now - at < lease:
                return None  # another relay is on it
            # That holder died: try to take over with the next generation.
    return None


def release(db: Database, held: list[tuple[str, int]]) -> None:
    """Give back claims (record id, generation held), every generation up to the one held."""
    ids = [f"{record_id}#{g}" for record_id, generation in held for g in range(1, generation + 1)]
    if ids:
        db[CLAIMS].delete_many({"_id": {"$in": ids}})


def sweep(db: Database, outbox: str, older_than: timedelta) -> int:
    """Forget claims left by a relay that died after settling but before giving them back.

    Only claims whose record has left the outbox: a pending record's old claims are the
    chain of generations that keeps two relays off it at once."""
    cutoff = datetime.now(timezone.utc) - older_than
    stale = list(db[CLAIMS].find({"at": {"$lt": cutoff}}, {"record": 1}))
    pending = {r["_id"] for r in db[outbox].find({"_id": {"$in": list({c["record"] for c in stale})}}, {"_id": 1})}
    gone = [c["_id"] for c in stale if c["record"] not in pending]
    return db[CLAIMS].delete_many({"_id": {"$in": gone}}).deleted_count if gone else 0
