"""The outbox relay: the safety net that publishes what no writer published.

Writes publish their own events at once (publish on commit, ``publisher.py``); a
record still in the outbox after its ``relay_after`` is one whose writer died
between the write and the publish, or met a broker that was away. The relay
publishes those with confirms, oldest first, and settles them exactly as the
writer would have (``history.to_history``). Records written without a
publisher (``relay_after`` absent) are the relay's from the start.

At-least-once: a record leaves the outbox only after the broker confirmed every
event in it; a crash in between re-publishes, and consumers are idempotent by
event id. While the broker is down the records simply wait. Several relays may
run over one database (several workers of a service): each claims a record with
a unique insert before touching it (``claims.py``), so each record is published
by one of them.

A bulk creation leaves one marker in the outbox for all its records, which are in
history already (``store.AggregateStore._create_marked``): the relay publishes the
events of the records it names and deletes it (``settle_marked``).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from kombu import Connection, Producer
from pymongo.database import Database

from .. import metrics
from ..config import Settings
from ..store import CHANGES, OUTBOX, is_duplicate
from . import claims, history, topology
from .wire import connection, publish

__all__ = ["OutboxRelay", "connection", "publish", "repair_creation", "settle", "settle_marked"]

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)   # far above a batch's publish time, retries included
SWEEP_EVERY = 60.0                    # seconds between sweeps of orphaned claims


class OutboxRelay:
    def __init__(self, settings: Settings, db: Database, grace_seconds: float = 10.0, batch: int = 200,
                 claim_lease: timedelta = CLAIM_LEASE):
        self.settings = settings
        self.db = db
        self.grace = timedelta(seconds=grace_seconds)
        self.batch = batch
        self.claim_lease = claim_lease
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._conn: Connection | None = None
        self._producer: Producer | None = None
        self._swept = 0.0

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            self._conn = connection(self.settings)
            self._conn.ensure_connection(max_retries=1)
            channel = self._conn.channel()
            topology.declare_exchange(channel, self.settings)
            self._producer = Producer(channel)
        return self._producer

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.release()
        except Exception:
            pass
        self._conn = self._producer = None

    def due(self) -> list[dict[str, Any]]:
        """Pending records no writer is publishing any more, oldest first."""
        now = datetime.now(timezone.utc)
        query = {"$or": [{"relay_after": {"$exists": False}}, {"relay_after": {"$lte": now}}]}
        return list(self.db[OUTBOX].find(query).sort([("recorded_at", 1)]).limit(self.batch))

    def run_once(self) -> int:
        """Settle what is due; returns how many records left the outbox."""
        held: list[tuple[str, int]] = []
        published: list[dict[str, Any]] = []
        voided = 0
        try:
            for record in self.due():
                generation = claims.claim(self.db, record["_id"], self.claim_lease, self.name)
                if generation is None:
                    continue  # another relay has it
                held.append((record["_id"], generation))
                if history.is_marker(record):
                    if self._relay_marked(record):
                        published.append(record)
                    continue
                # A record another relay (or its writer) settled since the list was read is
                # in history now: settle() calls it void, and it is not published again.
                verdict = settle(self.db, record, self.grace)
                if verdict == "wait":
                    continue
                if verdict == "void":
                    self.db[OUTBOX].delete_one({"_id": record["_id"]})
                    voided += 1
                    continue
                if record["events"]:
                    producer = self._ensure_producer()
                    for envelope in record["events"]:
                        publish(producer, self.settings, envelope)
                published.append(record)
                metrics.record_published(record["recorded_at"])
        finally:
            try:
                # Into history before the claims go, so whoever claims one next finds it there;
                # also when a later publish failed, so what went out is not sent again.
                history.to_history(self.db, published)
            finally:
                claims.release(self.db, held)
        self._sweep()
        return len(published) + voided

    def _relay_marked(self, marker: dict[str, Any]) -> bool:
        """Publish the records a marker names (a bulk creation); True when it can be settled."""
        if self.db[OUTBOX].find_one({"_id": marker["_id"]}, {"_id": 1}) is None:
            return False  # settled since the list was read: its records are out already
        ready = settle_marked(self.db, marker, self.grace)
        if ready is None:
            return False
        for record in ready:
            if record["events"]:
                producer = self._ensure_producer()
                for envelope in record["events"]:
                    publish(producer, self.settings, envelope)
        metrics.record_published(marker["recorded_at"])
        return True

    def _sweep(self) -> None:
        if time.monotonic() - self._swept >= SWEEP_EVERY:
            self._swept = time.monotonic()
            claims.sweep(self.db, OUTBOX, self.claim_lease * 10)

    def run(self, stop: threading.Event) -> None:
        backoff = self.settings.relay_interval
        while not stop.is_set():
            try:
                n = self.run_once()
                backoff = self.settings.relay_interval
                if n:
                    continue  # more may be waiting
            except Exception as exc:  # broker or database away: keep the records, try later
                log.warning("relay: publish failed, will retry", extra={"error": repr(exc)[:300]})
                metrics.record_relay_error()
                self._reset()
                backoff = min(max(backoff * 2, 0.5), 10.0)
            stop.wait(backoff)
        self._reset()


def settle(db: Database, record: dict[str, Any], grace: timedelta) -> str:
    """Decide what to do with one outbox record; called by the relay.

    Returns "publish" when the aggregate has reached the record's version,
    "wait" while the writing request may still be in flight, "void" when the
    change can never apply (its unique keys clashed, or it lost a race against
    a version already in history), and "repaired" when the crash gap between
    the two writes was closed from the record (then it is published too).
    """
    coll = db[record["collection"]]
    current = coll.find_one({"_id": record["aggregate_id"]}, {"version": 1})
    version = current["version"] if current else 0
    if version >= record["version"]:
        if db[CHANGES].find_one({"_id": record["_id"]}, {"_id": 1}):
            return "void"  # a late loser reused a version id that is already history
        return "publish"
    recorded = record["recorded_at"]
    if recorded.tzinfo is None:
        recorded = recorded.replace(tzinfo=timezone.utc)
    if datetime.now(timezone.utc) - recorded < grace:
        return "wait"
    if version != record["version"] - 1:
        return "wait"  # an earlier change is pending; it is repaired first (records go in order)
    try:
        if current is None:
            coll.insert_one(record["state"])
        else:
            res = coll.replace_one({"_id": record["aggregate_id"], "version": version}, record["state"])
            if res.matched_count == 0:
                return "wait"
    except Exception as exc:
        if is_duplicate(exc):
            log.warning("change record voided: its unique keys clashed", extra={"change": record["_id"]})
            return "void"
        raise
    log.warning("aggregate repaired from its change record", extra={"change": record["_id"]})
    return "repaired"


def settle_marked(db: Database, marker: dict[str, Any], grace: timedelta) -> list[dict[str, Any]] | None:
    """The records of a marker (``store.AggregateStore._create_marked``) to publish, after
    completing what a crash left half done; None while the write may still be in flight.

    Its records are creations already in history. One whose document is missing lost it
    to a crash (repaired from the record) or was refused by a unique key (voided: taken
    out of history, never published)."""
    records = list(db[CHANGES].find({"_id": {"$in": marker["records"]}}))
    coll = db[marker["collection"]]
    have = {d["_id"] for d in coll.find({"_id": {"$in": [r["aggregate_id"] for r in records]}}, {"_id": 1})}
    missing = [r for r in records if r["aggregate_id"] not in have]
    # Records or documents not there (yet): the write may be in flight. After the grace,
    # a record still absent was refused (or never written: the writer died first).
    if missing or len(records) < len(marker["records"]):
        recorded = marker["recorded_at"]
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=timezone.utc)
        if datetime.now(timezone.utc) - recorded < grace:
            return None
    return [r for r in records if r["aggregate_id"] in have or repair_creation(db, r)]


def repair_creation(db: Database, record: dict[str, Any]) -> bool:
    """Insert the document a creation record in history stands for; False (and the record
    taken out of history) when a unique key refuses it."""
    coll = db[record["collection"]]
    try:
        coll.insert_one(record["state"])
    except Exception as exc:
        if not is_duplicate(exc):
            raise
        if coll.find_one({"_id": record["aggregate_id"]}, {"_id": 1}) is not None:
            return True   # another party repaired it first (the import job resuming, a relay)
        db[CHANGES].delete_one({"_id": record["_id"]})
        log.warning("change record voided: its unique keys clashed", extra={"change": record["_id"]})
        return False
    log.warning("aggregate repaired from its change record", extra={"change": record["_id"]})
    return True
