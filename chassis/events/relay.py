"""The outbox relay: publishes pending change records' events with confirms.

At-least-once: a record leaves the outbox only after the broker confirmed
every event in it; a crash in between re-publishes, and consumers are
idempotent by event id. While the broker is down the records simply wait.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from kombu import Connection, Producer
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .. import metrics
from ..config import Settings
from ..store import CHANGES, OUTBOX, is_duplicate
from . import topology

log = logging.getLogger(__name__)


def connection(settings: Settings) -> Connection:
    # confirm_publish: publish() returns only once the broker has the message.
    return Connection(settings.amqp_url, transport_options={"confirm_publish": True},
                      connect_timeout=5, heartbeat=0)


def publish(producer: Producer, settings: Settings, envelope: dict) -> None:
    producer.publish(
        json.dumps(envelope), exchange=topology.exchange(settings), routing_key=envelope["type"],
        content_type="application/json", content_encoding="utf-8", delivery_mode=2,
        message_id=envelope["id"], correlation_id=envelope.get("correlation_id") or None,
        headers={"x-crm-source": envelope["source"], "x-crm-version": envelope["version"]},
        retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
    )


class OutboxRelay:
    def __init__(self, settings: Settings, db: Database, grace_seconds: float = 10.0, batch: int = 200):
        self.settings = settings
        self.db = db
        self.grace = timedelta(seconds=grace_seconds)
        self.batch = batch
        self._conn: Connection | None = None
        self._producer: Producer | None = None

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

    def _to_history(self, record: dict, status: str) -> None:
        record = {**record, "status": status, "settled_at": datetime.now(timezone.utc)}
        try:
            self.db[CHANGES].insert_one(record)
        except DuplicateKeyError:
            pass  # moved before a crash; only the outbox delete was missing
        self.db[OUTBOX].delete_one({"_id": record["_id"]})

    def run_once(self) -> int:
        """Settle what is pending; returns how many records left the outbox."""
        outbox = self.db[OUTBOX]
        pending = list(outbox.find().sort([("recorded_at", 1)]).limit(self.batch))
        settled = 0
        for record in pending:
            verdict = settle(self.db, record, self.grace)
            if verdict == "wait":
                continue
            if verdict == "void":
                outbox.delete_one({"_id": record["_id"]})
                settled += 1
                continue
            if record["events"]:
                producer = self._ensure_producer()
                for envelope in record["events"]:
                    publish(producer, self.settings, envelope)
            self._to_history(record, "published")
            metrics.record_published(record["recorded_at"])
            settled += 1
        return settled

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
