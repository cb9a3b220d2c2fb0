"""The event bus: envelope and catalogue, relay (outbox → RabbitMQ), consumer."""
from .envelope import Envelope, EventType, catalogue, event_type

__all__ = ["Envelope", "EventType", "catalogue", "event_type"]
