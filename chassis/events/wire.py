"""How this suite talks AMQP: one connection recipe and one way to publish an envelope.

The relay, the publish-on-commit publisher and the consumer (retries, dead letters)
all go through these, so every event leaves the same way: persistent, with publisher
confirms, the envelope id as message id.
"""
from __future__ import annotations

import json
from typing import Any

from kombu import Connection, Producer

from ..config import Settings
from . import topology


def connection(settings: Settings, timeout: float | None = None) -> Connection:
    """A kombu connection with publisher confirms: publish() returns once the broker has it.

    ``timeout`` bounds connecting and every socket read and write (a broker that accepts
    the connection and then says nothing cannot hold the caller longer than that).
    """
    options: dict[str, Any] = {"confirm_publish": True}
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
