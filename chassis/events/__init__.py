"""The event bus: envelope and catalogue, relay (outbox → RabbitMQ), consumer."""
from .envelope import Envelope, EventData, EventType, catalogue, event_type, received

__all__ = ["Envelope", "EventData", "EventType", "catalogue", "event_type", "received"]
