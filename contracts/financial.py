"""Events of the customer service's financial picture and opportunity pipeline (issue #13).

Ids, codes and dates only: no figures of a customer's wealth (AUM is financial status,
sensitive once it leaves the service), no free text (decline reasons stay in the service).
"""
from marshmallow import fields, validate

from chassis.events import EventData, event_type

PRODUCER = "customer"

SIGNALS = ("aum_falling", "dormant", "key_product_closed", "no_contact")
SOURCES = ("visit_need", "maturing_deposit", "life_event", "activity", "churn_signal", "manual")
STAGES = ("identified", "proposed", "accepted", "declined", "won", "lost", "expired")


class ChurnSignalData(EventData):
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    signal = fields.String(required=True, validate=validate.OneOf(SIGNALS))
    signal_key = fields.String(required=True, metadata={
        "description": "what makes the signal unique, e.g. aum_falling:2026-05 (one per kind and month), "
                       "no_contact:2026-02-14 (one per stale episode, named by the last contact's day)"})
    raised_on = fields.Date(required=True)


class OpportunityData(EventData):
    opportunity_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    product_code = fields.String(allow_none=True)


CHURN_SIGNALLED = event_type(
    "customer.churn.signalled", 1, PRODUCER,
    "A retention signal was raised: from core-banking facts (AUM falling by more than the branch's share over "
    "its window, a dormant account, a key product closed) or from engagement's contacts (no contact in the "
    "branch's N days: engagement.contact.lapsed). Once per signal key.",
    ChurnSignalData, consumers=("customer", "engagement"))
OPPORTUNITY_CHANGED = event_type(
    "customer.opportunity.changed", 1, PRODUCER,
    "An opportunity (商机) was opened or moved to another stage (proposed, accepted, declined, won, lost, expired).",
    OpportunityData)
