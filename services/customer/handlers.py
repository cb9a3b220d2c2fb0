"""Consumers of other services' events: the staff directory (branch of a manager,
who may be assigned customers); core banking's facts (the financial picture, issue #13),
which also open and win opportunities; engagement's lapses (no contact in N days: a churn
signal) and attendances, and the service's own churn signals and family changes, which
open one."""
from chassis import directory
from chassis.events import Envelope
from contracts import (
    core_banking as core,
    customer as customer_events,
    engagement as engagement_events,
    financial as fin_events,
    staff,
)

from . import opportunities, picture


def product_opened(envelope: Envelope) -> None:
    picture.apply_fact(envelope)
    opportunities.win_from_opened(envelope)


def deposit_maturing(envelope: Envelope) -> None:
    opportunities.open_from_maturing(envelope)


HANDLERS = {
    staff.USER_CHANGED.name: directory.apply,
    core.BALANCES_REPORTED.name: picture.apply_fact,
    core.HOLDINGS_REPORTED.name: picture.apply_fact,
    core.PRODUCT_OPENED.name: product_opened,
    core.PRODUCT_CLOSED.name: picture.apply_fact,
    core.ACTIVITY_SUMMARISED.name: picture.apply_fact,
    core.ACCOUNT_DORMANT.name: picture.apply_fact,
    core.DEPOSIT_MATURING.name: deposit_maturing,
    fin_events.CHURN_SIGNALLED.name: opportunities.open_from_signal,
    engagement_events.CONTACT_LAPSED.name: picture.record_lapse,
    engagement_events.INVITATION_ATTENDED.name: opportunities.open_from_attendance,
    customer_events.UPDATED.name: opportunities.open_from_family,
}
