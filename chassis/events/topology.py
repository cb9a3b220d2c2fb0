"""RabbitMQ topology, declared identically by every publisher and consumer.

* ``crm.events``: durable topic exchange, routing key = event type. Its
  alternate exchange ``crm.events.unrouted`` (fanout → queue of the same name)
  keeps any event no queue is bound for yet, so nothing is dropped silently.
* per consuming service, named after the exchange so a test run on its own exchange
  never shares a queue with a running suite: ``<exchange>.<service>`` (durable, e.g.
  ``crm.events.customer``), ``<exchange>.<service>.retry`` (messages wait there
  ``retry_delay_ms``, then dead-letter back to the main queue) and
  ``<exchange>.<service>.dead`` (the dead-letter queue operators inspect).

Every queue is declared with the type ``CRM_QUEUE_TYPE`` names: ``classic`` (one node) or
``quorum`` (replicated by Raft across a RabbitMQ cluster; durable by nature; message TTL and
dead-lettering, which the retry queue needs, work on quorum queues since RabbitMQ 3.10).
A queue keeps the type it was created with: the broker refuses a redeclaration of another
type (406 PRECONDITION_FAILED), so switching drains and deletes the queues first
(docs/scaling.md).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kombu import Connection, Exchange, Queue

from ..config import ConfigError, Settings

if TYPE_CHECKING:
    from kombu.transport.virtual import Channel  # what kombu's own annotations call a channel


QUEUE_TYPES = ("classic", "quorum")


def queue_arguments(settings: Settings) -> dict[str, str]:
    """The declare arguments CRM_QUEUE_TYPE asks for. Classic sends none, as every queue
    declared before the setting existed did, so those stay equivalent on any broker."""
    kind = settings.require("CRM_QUEUE_TYPE").strip().lower()
    if kind not in QUEUE_TYPES:
        raise ConfigError(f"CRM_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, not {kind!r}")
    return {} if kind == "classic" else {"x-queue-type": kind}


def exchange(settings: Settings) -> Exchange:
    return Exchange(settings.exchange, type="topic", durable=True,
                    arguments={"alternate-exchange": unrouted_name(settings)})


def unrouted_name(settings: Settings) -> str:
    return f"{settings.exchange}.unrouted"


def unrouted_exchange(settings: Settings) -> Exchange:
    return Exchange(unrouted_name(settings), type="fanout", durable=True)


def unrouted_queue(settings: Settings) -> Queue:
    return Queue(unrouted_name(settings), exchange=unrouted_exchange(settings), durable=True,
                 queue_arguments=queue_arguments(settings))


def retry_name(settings: Settings) -> str:
    return f"{settings.queue}.retry"


def dead_name(settings: Settings) -> str:
    return f"{settings.queue}.dead"


def main_queue(settings: Settings, routing_keys: Iterable[str]) -> Queue:
    from kombu import binding
    ex = exchange(settings)
    return Queue(settings.queue, bindings=[binding(ex, routing_key=k) for k in sorted(routing_keys)],
                 durable=True, queue_arguments=queue_arguments(settings))


def retry_queue(settings: Settings) -> Queue:
    return Queue(retry_name(settings), durable=True, queue_arguments={
        **queue_arguments(settings),
        "x-message-ttl": settings.retry_delay_ms,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": settings.queue,
    })


def dead_queue(settings: Settings) -> Queue:
    return Queue(dead_name(settings), durable=True, queue_arguments=queue_arguments(settings))


def declare_exchange(channel: Channel | Connection, settings: Settings) -> None:
    unrouted_exchange(settings)(channel).declare()
    unrouted_queue(settings)(channel).declare()
    exchange(settings)(channel).declare()


def declare_consumer(channel: Channel | Connection, settings: Settings, routing_keys: Iterable[str]) -> Queue:
    declare_exchange(channel, settings)
    q = main_queue(settings, routing_keys)(channel)
    q.declare()
    retry_queue(settings)(channel).declare()
    dead_queue(settings)(channel).declare()
    return q
