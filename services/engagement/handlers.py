"""Consumers of other services' events: thin, idempotent."""
from contracts import customer as customer_events

from . import snapshots

HANDLERS = {
    customer_events.REGISTERED.name: snapshots.apply,
}
