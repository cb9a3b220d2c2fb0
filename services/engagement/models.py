"""Engagement documents (mongoengine).

Aggregates are written only through ``chassis.store.AggregateStore`` (history +
outbox). Counted resources (gift stock, budget spend, activity seats) are not
counters but rows claimed by inserting a unique ``_id`` (see ``slots.py``):
FerretDB applies updates read-then-write, unique inserts atomically.
"""
from mongoengine import BooleanField, DateField, DateTimeField, DictField, Document, IntField, ListField, StringField

from chassis.models import Aggregate

ALIAS = "engagement"


class Interaction(Aggregate):
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    channel = StringField(required=True)
    purpose = StringField(required=True)
    summary = StringField()
    outcome = StringField()
    next_step = StringField()
    follow_up_date = DateField()
    # The same day as text: the worklist asks for one day's follow-ups by equality, which
    # the development database answers from an index (it pushes down no date ranges).
    follow_up_day = StringField()
    occurred_at = DateTimeField(required=True)
    recorded_by = StringField()

    meta = {"db_alias": ALIAS, "collection": "interactions",
            "indexes": [{"fields": ["customer_id", "-occurred_at"], "name": "timeline"},
                        {"fields": ["manager_id", "-occurred_at"], "name": "by_manager"},
                        {"fields": ["follow_up_day"], "name": "follow_ups"}]}


class Visit(Aggregate):
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    kind = StringField(default="scheduled", choices=("scheduled", "rolling"))
    status = StringField(required=True)
    scheduled_at = DateTimeField(required=True)
    plan = DictField()          # objective, materials, checklist, opening, expected_objections
    record = DictField()        # notes, needs_found, commitments, next_appointment_at, visited_at
    evaluation = DictField()    # outcome, objective_met, rating, lessons
    visited_at = DateTimeField()
    completed_at = DateTimeField()
    cancel_reason = StringField()

    meta = {"db_alias": ALIAS, "collection": "visits",
            "indexes": [{"fields": ["manager_id", "scheduled_at"], "name": "by_manager"},
                        {"fields": ["customer_id", "-scheduled_at"], "name": "by_customer"}]}


class Greeting(Aggregate):
    """id = rules.greeting_id(occasion, year, customer): the unique id is the once-only guarantee."""
    customer_id = StringField(required=True)
    manager_id = StringField()
    occasion = StringField(required=True)
    kind = StringField(required=True)
    label = StringField()
    year = IntField(required=True)
    occasion_date = DateField(required=True)
    channel = StringField(required=True)
    sent_at = DateTimeField(required=True)
    sent_by = StringField()
    note = StringField()

    meta = {"db_alias": ALIAS, "collection": "greetings",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"},
                        {"fields": ["manager_id", "sent_at"], "name": "by_manager"}]}


class CadenceRule(Aggregate):
    """id = "tier:<tier>" or "class:<class>"; overrides rules.DEFAULT_CADENCE."""
    kind = StringField(required=True, choices=("tier", "class"))
    value = StringField(required=True)
    interval_days = IntField(required=True, min_value=1, max_value=3660)

    meta = {"db_alias": ALIAS, "collection": "cadence_rules"}


class Gift(Aggregate):
    name = StringField(required=True, max_length=200)
    cost_cents = IntField(required=True, min_value=0)
    stock_total = IntField(required=True, min_value=0)   # slots 0..stock_total-1 exist
    tiers = ListField(StringField())                      # empty: every tier
    active = BooleanField(default=True)

    meta = {"db_alias": ALIAS, "collection": "gifts"}


class Budget(Aggregate):
    """id = "<branch>:<period>"; spend is the ledger in slots.py, never a counter here."""
    branch = StringField(required=True)
    period = StringField(required=True)
    amount_cents = IntField(required=True, min_value=0)

    meta = {"db_alias": ALIAS, "collection": "budgets"}


class GiftIssue(Aggregate):
    """id = the client's idempotency key (scoped), so a request is issued at most once."""
    gift_id = StringField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    reason = StringField(required=True)
    issued_by = StringField(required=True)
    issued_at = DateTimeField(required=True)
    cost_cents = IntField(required=True)
    stock_slot = IntField(required=True)
    budget_id = StringField(required=True)
    budget_seq = IntField(required=True)

    meta = {"db_alias": ALIAS, "collection": "gift_issues",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"},
                        {"fields": ["gift_id"], "name": "by_gift"}]}


class Activity(Aggregate):
    name = StringField(required=True, max_length=200)
    type = StringField(required=True)
    branch = StringField()
    organiser_id = StringField()
    starts_at = DateTimeField(required=True)
    location = StringField()
    capacity = IntField(required=True, min_value=1)
    budget_cents = IntField(required=True, min_value=0)
    cost_per_head_cents = IntField(default=0, min_value=0)
    segment = DictField()
    status = StringField(default="planned")
    follow_up_actions = ListField(StringField())
    evaluation_notes = StringField()
    cancel_reason = StringField()
    cancelled_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "activities",
            "indexes": [{"fields": ["starts_at"], "name": "by_start"}]}


class Invitation(Aggregate):
    """id = "<activity>:<customer>": one invitation per customer per activity."""
    activity_id = StringField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    status = StringField(default="invited", choices=("invited", "accepted", "waitlisted", "declined"))
    seat_no = IntField()
    waitlisted_at = DateTimeField()
    responded_at = DateTimeField()
    attended = BooleanField(default=False)

    meta = {"db_alias": ALIAS, "collection": "invitations",
            "indexes": [{"fields": ["activity_id", "status"], "name": "by_activity"},
                        {"fields": ["customer_id"], "name": "by_customer"}]}


class Reminder(Document):
    """An account reminder from core banking; _id = the inbound event id (idempotent)."""
    id = StringField(primary_key=True)
    kind = StringField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    account_ref = StringField()      # masked tail only (****1234)
    details = DictField()
    occurred_at = DateTimeField()
    received_at = DateTimeField()
    status = StringField(default="open", choices=("open", "done"))

    meta = {"db_alias": ALIAS, "collection": "account_reminders",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class ActivityResponse(Document):
    """A satisfaction score for an activity, from feedback's survey events; _id = response id."""
    id = StringField(primary_key=True)
    activity_id = StringField(required=True)
    customer_id = StringField()
    score = IntField()
    received_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "activity_responses",
            "indexes": [{"fields": ["activity_id"], "name": "by_activity"}]}


class EngagementPolicy(Aggregate):
    """Branch configuration (id = branch, or "default"): when no contact becomes a churn
    signal, and the window in which attendees' opened products count for an activity.
    Versioned, so edits are If-Match and kept in history."""
    no_contact_days = IntField(required=True, min_value=1, max_value=3660)
    products_window_days = IntField(required=True, min_value=1, max_value=366)

    meta = {"db_alias": ALIAS, "collection": "engagement_policies"}


class ContactLapse(Aggregate):
    """One stale episode of a customer (id = "<customer>:<day it started>"): its unique id is
    the once-only guarantee of ``engagement.contact.lapsed``, and its change record carries
    the event (never lost, never doubled)."""
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    since = StringField(required=True)          # ISO day: the last contact, or when watching began
    last_contact_on = StringField()             # ISO day; None: never contacted
    threshold_days = IntField(required=True)
    raised_on = StringField(required=True)

    meta = {"db_alias": ALIAS, "collection": "contact_lapses",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class ProductOpening(Document):
    """A local copy of core banking's ``core.product.opened`` (id = holding id: a holding is
    opened once, so a redelivery or a resent fact changes nothing). Only what activity
    effectiveness needs: who, which product, which day."""
    id = StringField(primary_key=True)
    customer_id = StringField(required=True)
    product_code = StringField()
    product_type = StringField()
    opened_on = StringField(required=True)      # ISO day

    meta = {"db_alias": ALIAS, "collection": "product_openings",
            "indexes": [{"fields": ["customer_id", "opened_on"], "name": "by_customer_day"}]}
