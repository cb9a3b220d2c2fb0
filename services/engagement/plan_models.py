"""Maintenance plans' documents: the plan, its tasks and its evaluations are aggregates
(written only through ``chassis.store``); the work log and the escalation inbox are local
copies fed by events, each row a unique insert so a redelivered event changes nothing."""
from mongoengine import DateField, DateTimeField, DictField, Document, FloatField, IntField, ListField, StringField

from chassis.models import Aggregate

ALIAS = "engagement"


class Plan(Aggregate):
    name = StringField(required=True)
    branch = StringField()
    manager_id = StringField(required=True)     # the owner: who drafted it (the visibility rule's manager)
    scope = DictField()                         # tiers, classes, tags, manager_ids, customer_ids
    period_kind = StringField(required=True, choices=("month", "quarter", "year"))
    period_key = StringField(required=True)
    period_start = DateField(required=True)
    period_end = DateField(required=True)       # first day after the period
    goals = ListField(DictField())              # {key, type, target}
    actions = ListField(DictField())            # {kind, per_customer}
    thresholds = DictField()                    # overdue_days, shortfall, at_risk
    status = StringField(required=True)
    revision = IntField(required=True, min_value=1)
    revisions = ListField(DictField())          # {revision, period_key, by, at, reason, changes}
    submitted_by = StringField()
    approved_by = StringField()
    running_since = DateTimeField()             # when the current period was approved to run

    meta = {"db_alias": ALIAS, "collection": "plans",
            "indexes": [{"fields": ["manager_id", "status"], "name": "by_owner"},
                        {"fields": ["branch", "status"], "name": "by_branch"}]}


class PlanTask(Aggregate):
    plan_id = StringField()                     # none for a handed-down task
    period_key = StringField()
    period_start = DateField()
    period_end = DateField()
    customer_id = StringField()
    manager_id = StringField(required=True)     # the owner, whose worklist shows it
    branch = StringField()
    kind = StringField(required=True)
    title = StringField()                       # handed-down tasks: what to do (free text, never in events)
    due_on = DateField(required=True)
    status = StringField(required=True)
    source = StringField(required=True, choices=("plan", "handed_down"))
    assigned_by = StringField()
    completed_at = DateTimeField()
    completed_by = StringField()                # the work (plan_work id) or the user who ticked it off
    note = StringField()

    meta = {"db_alias": ALIAS, "collection": "plan_tasks",
            "indexes": [{"fields": ["manager_id", "status", "due_on"], "name": "worklist"},
                        {"fields": ["customer_id", "status"], "name": "by_customer"},
                        {"fields": ["plan_id", "period_key"], "name": "by_plan"}]}


class PlanEvaluation(Aggregate):
    """id = <plan_id>:<period_key>: one evaluation per plan and period (a unique insert)."""
    plan_id = StringField(required=True)
    manager_id = StringField(required=True)     # the plan's owner, for visibility
    branch = StringField()
    revision = IntField(required=True)
    period_key = StringField(required=True)
    period_start = DateField(required=True)
    period_end = DateField(required=True)
    previous_period_key = StringField()
    as_of = DateField(required=True)
    evaluated_by = StringField()
    customers = IntField(required=True)
    comparison_customers = IntField(required=True)
    tasks = DictField()                         # total, done, open, cancelled, completion
    goals = ListField(DictField())
    change_effects = ListField(DictField())     # what this revision's changes did
    suggestions = ListField(DictField())

    meta = {"db_alias": ALIAS, "collection": "plan_evaluations",
            "indexes": [{"fields": ["plan_id", "period_start"], "name": "by_plan"}]}


class PlanWork(Document):
    """One piece of recorded work (an interaction, visit, greeting, survey answer or
    attendance), id ``<kind>:<source id>``, with the task it completed, if any."""
    id = StringField(primary_key=True)
    kind = StringField(required=True)
    customer_id = StringField(required=True)
    at = DateTimeField(required=True)
    csat = FloatField()
    task_id = StringField()

    meta = {"db_alias": ALIAS, "collection": "plan_work",
            "indexes": [{"fields": ["customer_id", "at"], "name": "by_customer"}]}


class ComplaintEscalation(Document):
    """A complaint escalated to the supervisor (feedback.complaint.escalated), id = breach_id."""
    id = StringField(primary_key=True)
    complaint_id = StringField(required=True)
    cycle = IntField(required=True)
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    severity = StringField()
    category = StringField()
    deadline_kind = StringField()
    stage = StringField()
    due = DateTimeField()
    escalation_level = IntField()
    received_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "complaint_escalations",
            "indexes": [{"fields": ["manager_id"], "name": "by_manager"}]}


class SettledComplaint(Document):
    """id = <complaint_id>:<cycle>: that cycle was resolved or closed; its escalations leave the list."""
    id = StringField(primary_key=True)
    at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "settled_complaints"}
