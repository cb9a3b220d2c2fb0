"""Consumers of other services' events (and of its own): thin, idempotent.

Every customer event carries the full non-sensitive snapshot, so all of them
feed the same order-safe copy (``chassis.copies``: older versions never win).
Recorded work (its own events and survey answers) completes plan tasks; an approved
or revised plan becomes tasks; escalated complaints go to the supervisor's worklist.
"""
from chassis import directory
from chassis.events import Envelope
from contracts import (
    core_banking,
    customer as customer_events,
    engagement as engagement_events,
    feedback as feedback_events,
    financial,
    staff,
)

from . import activities, complaint_inbox, contacts, nba, plan_tasks, plan_work, reminders, retention, snapshots, visits
from .outreach import surveys as outreach_surveys


def _then(*steps):
    """One event, several idempotent effects, in order (each safe to run again)."""
    def handle(envelope: Envelope) -> None:
        for step in steps:
            step(envelope)
    return handle

HANDLERS = {
    staff.USER_CHANGED.name: directory.apply,
    customer_events.REGISTERED.name: snapshots.apply,
    customer_events.UPDATED.name: snapshots.apply,
    customer_events.TIER_CHANGED.name: snapshots.apply,
    customer_events.MANAGER_ASSIGNED.name: _then(snapshots.apply, plan_tasks.follow_customer),
    customer_events.RISK_ASSESSED.name: snapshots.apply,
    customer_events.ARCHIVED.name: snapshots.apply,
    feedback_events.SURVEY_RESPONDED.name: _then(activities.record_response, plan_work.from_survey),
    feedback_events.COMPLAINT_ESCALATED.name: complaint_inbox.escalated,
    feedback_events.COMPLAINT_OPENED.name: nba.complaint_changed,
    feedback_events.COMPLAINT_ASSIGNED.name: nba.complaint_changed,
    feedback_events.COMPLAINT_REOPENED.name: nba.complaint_changed,
    feedback_events.COMPLAINT_RESOLVED.name: _then(complaint_inbox.settled, nba.complaint_changed),
    feedback_events.COMPLAINT_CLOSED.name: _then(complaint_inbox.settled, nba.complaint_changed),
    financial.CHURN_SIGNALLED.name: nba.churn_signalled,
    engagement_events.INTERACTION_LOGGED.name: _then(contacts.from_event, plan_work.from_interaction),
    # a recorded visit marks the contact, completes a task, and its agreed next appointment
    # becomes a planned visit
    engagement_events.VISIT_RECORDED.name: _then(contacts.from_event, plan_work.from_visit, visits.plan_next),
    engagement_events.GREETING_SENT.name: plan_work.from_greeting,
    engagement_events.INVITATION_ATTENDED.name: plan_work.from_attendance,
    engagement_events.PLAN_APPROVED.name: plan_tasks.generate,
    engagement_events.PLAN_REVISED.name: plan_tasks.generate,
    feedback_events.SURVEY_INVITED.name: outreach_surveys.apply,
    core_banking.BALANCE_CHANGED.name: reminders.apply,
    core_banking.DEPOSIT_MATURING.name: reminders.apply,
    core_banking.ACCOUNT_DORMANT.name: reminders.apply,
    core_banking.PRODUCT_OPENED.name: retention.record_opening,   # activity effectiveness
}
