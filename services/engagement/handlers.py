"""Consumers of other services' events: thin, idempotent.

Every customer event carries the full non-sensitive snapshot, so all of them
feed the same order-safe copy (``chassis.copies``: older versions never win).
"""
from chassis import directory
from contracts import core_banking, customer as customer_events, feedback as feedback_events, staff

from . import activities, reminders, snapshots
from .outreach import surveys as outreach_surveys

HANDLERS = {
    staff.USER_CHANGED.name: directory.apply,
    customer_events.REGISTERED.name: snapshots.apply,
    customer_events.UPDATED.name: snapshots.apply,
    customer_events.TIER_CHANGED.name: snapshots.apply,
    customer_events.MANAGER_ASSIGNED.name: snapshots.apply,
    customer_events.RISK_ASSESSED.name: snapshots.apply,
    customer_events.ARCHIVED.name: snapshots.apply,
    feedback_events.SURVEY_RESPONDED.name: activities.record_response,
    feedback_events.SURVEY_INVITED.name: outreach_surveys.apply,
    core_banking.BALANCE_CHANGED.name: reminders.apply,
    core_banking.DEPOSIT_MATURING.name: reminders.apply,
    core_banking.ACCOUNT_DORMANT.name: reminders.apply,
}
