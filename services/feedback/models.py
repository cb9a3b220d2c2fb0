"""Feedback documents (mongoengine). Aggregates are written only through the versioned store;
the plain documents here exist for their unique ``_id`` (exactly-once guards)."""
from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField

from chassis.models import Aggregate

from . import rules


class Feedback(Aggregate):
    customer_id = StringField()
    manager_id = StringField()
    branch = StringField()
    channel = StringField(required=True, choices=rules.CHANNELS)
    category = StringField(required=True, choices=rules.CATEGORIES)
    content = StringField(required=True, max_length=4000)
    recorded_by = StringField()

    meta = {"db_alias": "feedback", "collection": "feedback",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class Complaint(Aggregate):
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    tier = StringField()
    severity = StringField(required=True, choices=rules.SEVERITIES)
    category = StringField(required=True, choices=rules.CATEGORIES)
    channel = StringField(required=True, choices=rules.CHANNELS)
    summary = StringField(required=True, max_length=200)
    description = StringField(max_length=4000)
    status = StringField(required=True, choices=rules.STATUSES)
    assignee_id = StringField()
    cycle = IntField(default=1)                 # +1 on every reopen: a new SLA window
    cycle_started_at = DateTimeField()
    response_due = DateTimeField()
    resolution_due = DateTimeField()
    responded_at = DateTimeField()
    outcome = StringField(max_length=4000)
    resolved_at = DateTimeField()
    resolved_within_sla = BooleanField()
    confirmation = StringField(choices=("customer", "timeout"))
    closed_at = DateTimeField()
    escalation_level = IntField(default=0)
    escalations = ListField(StringField())      # breach ids already escalated (guard)
    last_note = StringField(max_length=2000)

    meta = {"db_alias": "feedback", "collection": "complaints",
            "indexes": [{"fields": ["manager_id", "status"], "name": "by_manager_status"},
                        {"fields": ["customer_id"], "name": "by_customer"},
                        {"fields": ["status"], "name": "by_status"}]}


class Policy(Aggregate):
    """Admin-editable settings, one aggregate per kind ("sla", "followup")."""
    value = DictField()

    meta = {"db_alias": "feedback", "collection": "policies"}


class SurveyTemplate(Aggregate):
    name = StringField(required=True, max_length=200)
    description = StringField(max_length=2000)
    questions = ListField(DictField())
    status = StringField(default="active", choices=("active", "retired"))
    created_by = StringField()

    meta = {"db_alias": "feedback", "collection": "survey_templates"}


class Invitation(Aggregate):
    survey_id = StringField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    tier = StringField()
    kind = StringField(choices=("distribution", "follow_up"))
    context = DictField()                       # {type, id}: what it follows up
    status = StringField(default="invited", choices=("invited", "responded"))
    response_id = StringField()
    responded_at = DateTimeField()

    meta = {"db_alias": "feedback", "collection": "invitations",
            "indexes": [{"fields": ["customer_id", "created_at"], "name": "by_customer"},
                        {"fields": ["manager_id", "status"], "name": "by_manager"}]}


class Response(Aggregate):
    """One per invitation: its id IS the invitation id, so a second one is a duplicate key."""
    invitation_id = StringField(required=True)
    survey_id = StringField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    tier = StringField()
    context = DictField()
    answers = DictField()
    csat = IntField()
    nps = IntField()
    responded_at = DateTimeField(required=True)
    month = StringField()                       # YYYY-MM, the trend's period
    recorded_by = StringField()

    meta = {"db_alias": "feedback", "collection": "responses",
            "indexes": [{"fields": ["customer_id", "responded_at"], "name": "by_customer"},
                        {"fields": ["responded_at"], "name": "by_time"}]}


class CustomerSatisfaction(Aggregate):
    """A customer's latest satisfaction (id = customer id), from the newest response."""
    manager_id = StringField()
    level = StringField()
    csat = IntField()
    nps = IntField()
    response_id = StringField()
    survey_id = StringField()
    measured_at = DateTimeField()

    meta = {"db_alias": "feedback", "collection": "customer_satisfaction"}


class Breach(Document):
    """One SLA breach (or near-breach warning); the unique _id makes escalation exactly once."""
    id = StringField(primary_key=True)          # rules.breach_key(...)
    complaint_id = StringField(required=True)
    deadline_kind = StringField(required=True)
    stage = StringField(required=True)
    cycle = IntField(required=True)
    due = DateTimeField()
    detected_at = DateTimeField()
    detected_by = StringField()
    done = BooleanField(default=False)

    meta = {"db_alias": "feedback", "collection": "sla_breaches"}


class FollowUpSlot(Document):
    """A follow-up survey taken from a customer's frequency-cap window (unique _id)."""
    id = StringField(primary_key=True)          # rules.cap_slot(...)
    customer_id = StringField(required=True)
    invitation_id = StringField(required=True)
    taken_at = DateTimeField()

    meta = {"db_alias": "feedback", "collection": "followup_slots"}


class SuppressedFollowUp(Document):
    """A trigger that got no survey because of the cap (kept for the record, idempotent by _id)."""
    id = StringField(primary_key=True)          # the would-be invitation id
    customer_id = StringField(required=True)
    context = DictField()
    reason = StringField()
    at = DateTimeField()

    meta = {"db_alias": "feedback", "collection": "followup_suppressed"}


__all__ = ["Feedback", "Complaint", "Policy", "SurveyTemplate", "Invitation", "Response",
           "CustomerSatisfaction", "Breach", "FollowUpSlot", "SuppressedFollowUp"]
