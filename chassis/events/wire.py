"""How this suite talks AMQP: one connection recipe and one way to publish an envelope.

The relay, the publish-on-commit publisher and the consumer (retries, dead letters)
all go through these, so every event leaves the same way: persistent, with publisher
confirms, the envelope id as message id.

``publish`` waits for each message's confirm (one round trip per message); ``Confirms``
sends many messages and then waits once for all their acks, for writers of many records
at a time (publish on commit of a bulk create: an import batch is 500 events).
"""
from __future__ import annotations

import json
import socket
import time
from collections.abc import Sequence
from typing import Any

from kombu import Connection, Producer

from ..config import Settings
from . import topology


def connection(settings: Settings, timeout: float | None = None, *, confirm_each: bool = True) -> Connection:
    """A kombu connection with publisher confirms: publish() returns once the broker has it.

    ``timeout`` bounds connecting and every socket read and write (a broker that accepts
    the connection and then says nothing cannot hold the caller longer than that).
    ``confirm_each=False``: its channels do not wait per message (``Confirms`` waits instead).
    """
    options: dict[str, Any] = {"confirm_publish": confirm_each}
    if timeout is not None:
        options.update(read_timeout=timeout, write_timeout=timeout)
    return Connection(settings.amqp_url, transport_options=options,
                      connect_timeout=timeout if timeout is not None else 5, heartbeat=0)


def publish(producer: Producer, settings: Settings, envelope: dict[str, Any], *,
            confirm_timeout: float | None = None, retry: bool = True) -> None:
    producer.publish(
        json.dumps(envelope), exchange=topology.exchange(settings), routing_key=envelope["type"],
        content_type="application/json", content_encoding="utf-8", delivery_mode=2,
        message_id=envelope["id"], correlation_id=envelope.get("correlation_id") or None,
        headers={"x-crm-source": envelope["source"], "x-crm-version": envelope["version"]},
        confirm_timeout=confirm_timeout, retry=retry,
        retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
    )


class Confirms:
    """A confirm-mode channel that publishes many messages, then waits once for their acks.

    The broker numbers the messages of a confirm-mode channel 1, 2, 3 ... and acks (or
    nacks) them by that number, possibly many at once (``multiple``). ``publish`` sends
    every envelope without waiting, then reads the broker's answers until each message
    is settled or the broker has been silent for ``idle`` seconds. Used by one thread
    at a time, on a connection made with ``connection(..., confirm_each=False)``.
    """

    def __init__(self, conn: Connection, settings: Settings):
        self.conn = conn
        self.settings = settings
        channel = conn.channel()
        topology.declare_exchange(channel, settings)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._settle)   # answered, not acked
        self.producer = Producer(channel)
        self._sent = 0                      # the channel's last delivery tag
        self._waiting: dict[int, str] = {}  # delivery tag -> envelope id, not yet answered
        self._acked: set[str] = set()

    def publish(self, envelopes: Sequence[dict[str, Any]], acked: set[str], idle: float,
                deadline: float | None = None) -> bool:
        """Send them all and wait for the broker's answers, adding the ids it acks to
        ``acked`` as they come (what was acked before an error stays there). True when
        every message was answered in time; a nacked or unanswered message is not in
        ``acked``: its caller leaves it to the relay. A broker error raises (the
        connection is then unusable)."""
        self._acked = acked
        for envelope in envelopes:
            publish(self.producer, self.settings, envelope, retry=False)
            self._sent += 1
            self._waiting[self._sent] = envelope["id"]
        while self._waiting:
            wait = idle if deadline is None else min(idle, deadline - time.monotonic())
            if wait <= 0:
                break
            try:
                self.conn.drain_events(timeout=wait)
            except (socket.timeout, TimeoutError):
                break
        answered = not self._waiting
        self._waiting.clear()   # a late answer for one of these tags is ignored (_settle finds none)
        return answered

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._acked.update(self._settle(tag, multiple))

    def _settle(self, tag: int, multiple: bool) -> list[str]:
        tags = [t for t in self._waiting if t <= tag] if multiple else [tag]
        return [self._waiting.pop(t) for t in tags if t in self._waiting]
