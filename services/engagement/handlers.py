"""Consumers of other services' events: thin, idempotent."""
from contracts import core_banking
from contracts import customer as customer_events

from . import reminders, snapshots

HANDLERS = {
    customer_events.REGISTERED.name: snapshots.apply,
    core_banking.BALANCE_CHANGED.name: reminders.apply,
    core_banking.DEPOSIT_MATURING.name: reminders.apply,
    core_banking.ACCOUNT_DORMANT.name: reminders.apply,
}
