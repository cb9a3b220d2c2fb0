"""The event consumer: ack after the effect is stored, bounded retries, dead letters.

Handlers receive an ``Envelope`` whose data is loaded through its contract
(``envelope.received``: typed, unknown fields dropped) and must be idempotent by construction
(deterministic ids, version guards): the ``processed_events`` record written
after success is only a fast path for redeliveries, not the guarantee, since a
crash can fall between the effect and that record.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from kombu import Consumer, Producer
from kombu.message import Message
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .. import context as trace, db as dbmod, metrics
from ..config import Settings
from . import topology
from .envelope import Envelope, EventType, received
from .wire import connection

log = logging.getLogger(__name__)

# What a handler returns is ignored (some say whether they applied the event).
Handler = Callable[[Envelope], object]
PROCESSED = "processed_events"
ATTEMPTS_HEADER = "x-crm-attempts"
DEPTH_EVERY = 5.0   # seconds between two looks at the queues' depths (for /metrics)


class EventConsumer:
    def __init__(self, settings: Settings, db: Database, handlers: Mapping[str, Handler], prefetch: int = 10,
                 event_types: Mapping[str, EventType] | None = None):
        """``event_types``: the contracts to load data with (the catalogue unless given)."""
        if not handlers:
            raise ValueError("a consumer needs at least one handler")
        self.event_types = event_types
        self.settings = settings
        self.db = db
        self.handlers = handlers
        self.prefetch = prefetch
        self._producer: Producer | None = None

    def on_message(self, body: Any, message: Message) -> None:
        try:
            payload = body if isinstance(body, dict) else json.loads(body)
            envelope = Envelope.from_dict(payload)
            if envelope.type in self.handlers:
                envelope = received(envelope, self.event_types)
        except Exception as exc:  # malformed, or breaks its contract: retrying cannot help
            self._dead_letter(message, f"malformed: {exc!r}"[:500])
            message.ack()
            self._count("malformed", "dead_lettered")
            return
        # The label is the type only when it is ours: a label never takes what a message says.
        kind = envelope.type if envelope.type in self.handlers else "unknown"
        if self.db[PROCESSED].find_one({"_id": envelope.id}, {"_id": 1}):
            message.ack()
            self._count(kind, "duplicate")
            return
        handler = self.handlers.get(envelope.type)
        try:
            if handler is None:
                raise LookupError(f"no handler for {envelope.type}")
            with trace.traced(None, envelope.correlation_id or envelope.id), dbmod.using(self.db):
                handler(envelope)
        except Exception as exc:
            attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
            log.warning("handler failed", extra={"event_id": envelope.id, "event_type": envelope.type,
                                                 "attempt": attempts, "error": repr(exc)[:300]})
            if attempts >= self.settings.max_delivery_attempts:
                self._dead_letter(message, repr(exc)[:500], attempts)
                outcome = "dead_lettered"
            else:
                self._republish(message, topology.retry_name(self.settings), attempts, repr(exc)[:500])
                outcome = "retried"
            message.ack()  # only after the copy is confirmed by the broker
            self._count(kind, outcome)
            return
        try:
            self.db[PROCESSED].insert_one({"_id": envelope.id, "type": envelope.type,
                                           "at": datetime.now(timezone.utc)})
        except DuplicateKeyError:
            pass
        message.ack()
        self._count(kind, "processed", envelope.occurred_at)

    def _count(self, event_type: str, outcome: str, occurred_at: str | None = None) -> None:
        metrics.record_consumed(self.settings.queue, event_type, outcome, occurred_at)

    def _look_at_queues(self, channel: Any) -> None:
        """Depth of the main, retry and dead-letter queues, and the main queue's consumers
        (every replica's), by a passive declare each: a round trip, no change."""
        for name in (self.settings.queue, topology.retry_name(self.settings), topology.dead_name(self.settings)):
            ok = channel.queue_declare(queue=name, passive=True)
            metrics.QUEUE_MESSAGES.labels(name).set(ok.message_count)
            if name == self.settings.queue:
                metrics.QUEUE_CONSUMERS.labels(name).set(ok.consumer_count)

    def _republish(self, message: Message, queue: str, attempts: int, error: str) -> None:
        if self._producer is None:
            raise RuntimeError("the consumer publishes only while it runs")
        headers = dict(message.headers or {})
        headers.update({ATTEMPTS_HEADER: attempts, "x-crm-error": error})
        self._producer.publish(message.body, exchange="", routing_key=queue, headers=headers,
                               content_type=message.content_type, content_encoding=message.content_encoding,
                               delivery_mode=2, message_id=message.properties.get("message_id"))

    def _dead_letter(self, message: Message, error: str, attempts: int = 1) -> None:
        log.error("message dead-lettered", extra={"queue": topology.dead_name(self.settings), "error": error})
        self._republish(message, topology.dead_name(self.settings), attempts, error)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with connection(self.settings) as conn:
                    conn.ensure_connection(max_retries=3)
                    channel = conn.channel()
                    queue = topology.declare_consumer(channel, self.settings, self.handlers.keys())
                    self._producer = Producer(conn.channel())
                    watch = conn.channel()   # its own channel: a passive declare that fails closes it
                    with Consumer(channel, queues=[queue], callbacks=[self.on_message],
                                  accept=["json", "application/json"], prefetch_count=self.prefetch):
                        log.info("consuming", extra={"queue": queue.name, "keys": sorted(self.handlers)})
                        metrics.CONSUMER_CONNECTED.labels(queue.name).set(1)
                        looked = 0.0
                        while not stop.is_set():
                            if time.monotonic() - looked >= DEPTH_EVERY:
                                self._look_at_queues(watch)
                                looked = time.monotonic()
                            try:
                                conn.drain_events(timeout=1)
                            except socket.timeout:
                                conn.heartbeat_check()
            except Exception as exc:
                metrics.CONSUMER_CONNECTED.labels(self.settings.queue).set(0)
                log.warning("consumer connection lost, reconnecting", extra={"error": repr(exc)[:300]})
                stop.wait(2)
        metrics.CONSUMER_CONNECTED.labels(self.settings.queue).set(0)
