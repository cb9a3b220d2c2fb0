"""marshmallow schemas of maintenance plans, tasks, progress and evaluations (in and out).

Kept apart from ``schemas.py`` (which imports the worklist and figures parts from here);
this module imports only the chassis and the plan rules.
"""
from datetime import date, datetime, timezone

from marshmallow import Schema, fields, validate

from chassis.schemas import PageQuery, StrictFloat, StrictInteger

from . import plan_rules as rules
from .rules import TIERS

ID = validate.Length(1, 100)
SHORT = validate.Length(1, 200)
TEXT = validate.Length(0, 4000)
DAY = validate.Range(date(1901, 1, 1), date(2099, 12, 31), error="Must be between 1901-01-01 and 2099-12-31.")
KEY = validate.Regexp(r"^[a-z0-9_]{1,40}$", error="1–40 lowercase letters, digits or '_'.")


def Day(**kwargs):  # noqa: N802  (a field factory)
    return fields.Date(validate=DAY, **kwargs)


def _ids(n: int = 500, **kw):
    return fields.List(fields.String(validate=ID), validate=validate.Length(0, n), **kw)


class DayOut(fields.Date):
    """A day in a response; stored days come back from the database as midnight datetimes."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime):
            value = value.date()
        return super()._serialize(value, attr, obj, **kwargs)


class When(fields.DateTime):
    """A time in a response, always with its offset (stored times come back naive UTC at times)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def always_sent(cls):
    for f in cls._declared_fields.values():
        f.required = True
    return cls


# --------------------------------------------------------------------------- plan in
class ScopeIn(Schema):
    tiers = fields.List(fields.String(validate=validate.OneOf(TIERS)), validate=validate.Length(0, 10))
    classes = fields.List(fields.String(validate=SHORT), validate=validate.Length(0, 50))
    tags = fields.List(fields.String(validate=SHORT), validate=validate.Length(0, 50))
    manager_ids = _ids(metadata={"description": "managers' books (default: a manager's own; a supervisor's "
                                                "whole team; an admin's whole branch)"})
    customer_ids = _ids(metadata={"description": "named key customers (重点客户)"})


class GoalIn(Schema):
    key = fields.String(validate=KEY, metadata={"description": "default: the type"})
    type = fields.String(required=True, validate=validate.OneOf(list(rules.GOAL_TYPES)),
                         metadata={"example": "contacts_per_customer"})
    target = StrictFloat(required=True, validate=validate.Range(0, 1000, min_inclusive=False),
                         metadata={"description": "per customer (counts), a share 0–1 (coverage), or 1–5 (csat)",
                                   "example": 2})


class ActionIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(rules.ACTION_KINDS), metadata={"example": "contact"})
    per_customer = StrictInteger(required=True, validate=validate.Range(1, rules.MAX_PER_CUSTOMER),
                                 metadata={"description": "tasks per customer in the period, due evenly over it",
                                           "example": 2})


class ThresholdsIn(Schema):
    overdue_days = StrictInteger(validate=validate.Range(1, 366), metadata={
        "description": "a task this many days late is flagged to the supervisor too (default 14)"})
    shortfall = StrictFloat(validate=validate.Range(0, 1), metadata={
        "description": "a goal projected this share below target is flagged to the supervisor (default 0.3)"})
    at_risk = StrictFloat(validate=validate.Range(0, 1), metadata={
        "description": "a goal projected this share below target is flagged to the owner (default 0.1)"})


class PlanIn(Schema):
    name = fields.String(required=True, validate=SHORT, metadata={"example": "2026 Q3 金卡客户维护方案"})
    scope = fields.Nested(ScopeIn, load_default=dict)
    period_kind = fields.String(required=True, validate=validate.OneOf(rules.PERIOD_KINDS))
    period_start = Day(required=True, metadata={"description": "any day of the period (month, quarter or year)"})
    goals = fields.List(fields.Nested(GoalIn), required=True, validate=validate.Length(1, 20))
    actions = fields.List(fields.Nested(ActionIn), load_default=list, validate=validate.Length(0, 5))
    thresholds = fields.Nested(ThresholdsIn, load_default=dict)
    reason = fields.String(validate=SHORT)


class PlanEditIn(Schema):
    name = fields.String(validate=SHORT)
    scope = fields.Nested(ScopeIn)
    period_kind = fields.String(validate=validate.OneOf(rules.PERIOD_KINDS))
    period_start = Day()
    goals = fields.List(fields.Nested(GoalIn), validate=validate.Length(1, 20))
    actions = fields.List(fields.Nested(ActionIn), validate=validate.Length(0, 5))
    thresholds = fields.Nested(ThresholdsIn)
    reason = fields.String(required=True, validate=SHORT, metadata={"description": "why: kept with the version"})


class ReasonIn(Schema):
    reason = fields.String(validate=SHORT)


class RejectIn(Schema):
    reason = fields.String(required=True, validate=SHORT, metadata={"example": "目标偏低"})


class CloseIn(Schema):
    as_of = Day(metadata={"description": "the day of the evaluation (default today; not in the future; "
                                         "after the period's last day)"})


class DecisionIn(Schema):
    suggestion_id = fields.String(required=True, validate=validate.Length(1, 20), metadata={"example": "s1"})
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "edit", "reject"]))
    value = StrictFloat(validate=validate.Range(0, 1000), metadata={"description": "edit: the value instead"})


class ReviseIn(Schema):
    decisions = fields.List(fields.Nested(DecisionIn), required=True, validate=validate.Length(0, 50),
                            metadata={"description": "one answer per suggestion of the closed period's evaluation"})
    reason = fields.String(required=True, validate=SHORT)


class PlanQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(rules.PLAN_STATES))
    manager_id = fields.String(validate=ID, metadata={"description": "plans owned by this manager"})


class AsOfQuery(Schema):
    as_of = Day(metadata={"description": "the day to measure at (default today, the bank's day)"})


# --------------------------------------------------------------------------- plan out
class ScopeOut(Schema):
    tiers = fields.List(fields.String())
    classes = fields.List(fields.String())
    tags = fields.List(fields.String())
    manager_ids = fields.List(fields.String())
    customer_ids = fields.List(fields.String())


@always_sent
class GoalOut(Schema):
    key = fields.String()
    type = fields.String(validate=validate.OneOf(list(rules.GOAL_TYPES)))
    target = fields.Float()


@always_sent
class ActionOut(Schema):
    kind = fields.String(validate=validate.OneOf(rules.ACTION_KINDS))
    per_customer = fields.Integer()


class ThresholdsOut(Schema):
    overdue_days = fields.Integer()
    shortfall = fields.Float()
    at_risk = fields.Float()


@always_sent
class ProposedChange(Schema):
    """What a suggestion proposes and a revision records: one figure of an action or goal."""
    target = fields.String(validate=validate.OneOf(["action", "goal"]))
    action = fields.String(allow_none=True)
    goal_key = fields.String(allow_none=True)
    field = fields.String()
    old = fields.Float()
    new = fields.Float()
    reason = fields.String()


class ChangeOut(ProposedChange):
    suggestion_id = fields.String()
    decision = fields.String(validate=validate.OneOf(["accept", "edit", "reject"]))


class RevisionOut(Schema):
    revision = fields.Integer(required=True)
    period_key = fields.String(required=True)
    by = fields.String(required=True)
    at = When(required=True)
    reason = fields.String(required=True)
    changes = fields.List(fields.Nested(ChangeOut), required=True)
    from_evaluation = fields.String(metadata={"description": "the evaluation whose suggestions were decided"})


class PlanOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the record's version (ETag)"})
    name = fields.String(required=True)
    branch = fields.String(allow_none=True)
    manager_id = fields.String(required=True, metadata={"description": "the owner: who drafted it"})
    scope = fields.Nested(ScopeOut, required=True)
    period_kind = fields.String(required=True, validate=validate.OneOf(rules.PERIOD_KINDS))
    period_key = fields.String(required=True, metadata={"example": "2026-Q3"})
    period_start = DayOut(required=True)
    period_end = DayOut(required=True, metadata={"description": "first day after the period"})
    goals = fields.List(fields.Nested(GoalOut), required=True)
    actions = fields.List(fields.Nested(ActionOut), required=True)
    thresholds = fields.Nested(ThresholdsOut, required=True)
    status = fields.String(required=True, validate=validate.OneOf(rules.PLAN_STATES))
    revision = fields.Integer(required=True, metadata={"description": "the plan's version: 1, +1 per revision"})
    revisions = fields.List(fields.Nested(RevisionOut), required=True)
    submitted_by = fields.String(allow_none=True)
    approved_by = fields.String(allow_none=True)
    running_since = When(allow_none=True)
    created_at = When()
    updated_at = When()


@always_sent
class PlanPage(Schema):
    items = fields.List(fields.Nested(PlanOut))
    next_cursor = fields.String(allow_none=True)


@always_sent
class ActorOut(Schema):
    user_id = fields.String()
    role = fields.String()


@always_sent
class HistoryEntryOut(Schema):
    version = fields.Integer()
    recorded_at = When()
    actor = fields.Nested(ActorOut)
    reason = fields.String(allow_none=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "the fields this version changed"})


# --------------------------------------------------------------------------- tasks
class TaskIn(Schema):
    owner_id = fields.String(required=True, validate=ID, metadata={"description": "a manager of your team"})
    customer_id = fields.String(validate=ID, metadata={"description": "the customer it is about (optional)"})
    title = fields.String(required=True, validate=SHORT, metadata={"example": "陪同客户办理大额存单续存"})
    due_on = Day(required=True)
    kind = fields.String(validate=validate.OneOf(rules.TASK_KINDS), metadata={
        "description": "handed_down (default: done by hand) or a kind of work that completes it when recorded"})


class TaskDoneIn(Schema):
    note = fields.String(validate=TEXT)


class TaskQuery(PageQuery):
    manager_id = fields.String(validate=ID)
    status = fields.String(validate=validate.OneOf(rules.TASK_STATES))
    plan_id = fields.String(validate=ID)
    customer_id = fields.String(validate=ID)


class TaskOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    plan_id = fields.String(allow_none=True)
    period_key = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    manager_id = fields.String(required=True, metadata={"description": "the owner"})
    branch = fields.String(allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(rules.TASK_KINDS))
    title = fields.String(allow_none=True)
    due_on = DayOut(required=True)
    status = fields.String(required=True, validate=validate.OneOf(rules.TASK_STATES))
    source = fields.String(required=True, validate=validate.OneOf(["plan", "handed_down"]))
    assigned_by = fields.String(allow_none=True)
    completed_at = When(allow_none=True)
    completed_by = fields.String(allow_none=True, metadata={"description": "recorded work <kind>:<id>, or a user"})
    note = fields.String(allow_none=True)


@always_sent
class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskOut))
    next_cursor = fields.String(allow_none=True)


class WorklistTask(TaskOut):
    name = fields.String(allow_none=True, metadata={"description": "the customer's name"})
    days_overdue = fields.Integer(required=True)


# --------------------------------------------------------------------------- control and evaluation
@always_sent
class TaskCountsOut(Schema):
    total = fields.Integer()
    done = fields.Integer()
    open = fields.Integer()
    cancelled = fields.Integer()
    overdue = fields.Integer(metadata={"description": "open and past due at the day measured"})
    completion = fields.Float(allow_none=True, metadata={"description": "done / total"})


@always_sent
class GoalProgressOut(Schema):
    key = fields.String()
    type = fields.String()
    target = fields.Float()
    achieved = fields.Float(allow_none=True)
    projected = fields.Float(allow_none=True, metadata={"description": "at the current pace, by period end"})
    shortfall = fields.Float(allow_none=True, metadata={"description": "projected share below target"})
    status = fields.String(validate=validate.OneOf(["met", "on_track", "at_risk", "off_track"]))


class DeviationOut(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["task_overdue", "goal_at_risk"]))
    escalated = fields.Boolean(required=True, metadata={"description": "past the plan's threshold: the "
                                                                       "supervisor's too"})
    plan_id = fields.String(allow_none=True)
    plan_name = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    task_id = fields.String()
    task_kind = fields.String()
    due_on = DayOut()
    days_overdue = fields.Integer()
    goal_key = fields.String()
    goal_type = fields.String()
    target = fields.Float()
    achieved = fields.Float(allow_none=True)
    projected = fields.Float(allow_none=True)
    shortfall = fields.Float(allow_none=True)


@always_sent
class ManagerProgressOut(Schema):
    customers = fields.Integer()
    tasks = fields.Nested(TaskCountsOut)
    goals = fields.List(fields.Nested(GoalProgressOut))


@always_sent
class CustomerProgressOut(Schema):
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    tasks = fields.Nested(TaskCountsOut)
    work = fields.Dict(keys=fields.String(), values=fields.Integer(),
                       metadata={"description": "recorded work in the period by kind", "example": {"interaction": 2}})


@always_sent
class ProgressOut(Schema):
    plan_id = fields.String()
    revision = fields.Integer()
    period_key = fields.String()
    as_of = DayOut()
    elapsed_share = fields.Float()
    customers_total = fields.Integer()
    tasks = fields.Nested(TaskCountsOut)
    goals = fields.List(fields.Nested(GoalProgressOut))
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ManagerProgressOut))
    customers = fields.List(fields.Nested(CustomerProgressOut), metadata={"description": "at most 500"})
    deviations = fields.List(fields.Nested(DeviationOut))


@always_sent
class GoalResultOut(Schema):
    key = fields.String()
    type = fields.String()
    target = fields.Float()
    achieved = fields.Float(allow_none=True)
    met = fields.Boolean()
    shortfall = fields.Float(allow_none=True)
    previous = fields.Float(allow_none=True, metadata={"description": "the same customers, previous period"})
    change = fields.Float(allow_none=True, metadata={"description": "achieved − previous"})
    comparison = fields.Float(allow_none=True, metadata={"description": "comparable customers outside the plan"})
    comparison_previous = fields.Float(allow_none=True)
    comparison_change = fields.Float(allow_none=True)
    vs_comparison = fields.Float(allow_none=True, metadata={"description": "achieved − comparison"})
    effect = fields.Float(allow_none=True, metadata={"description": "change − comparison_change"})


@always_sent
class ChangeBrief(Schema):
    suggestion_id = fields.String()
    target = fields.String()
    action = fields.String(allow_none=True)
    goal_key = fields.String(allow_none=True)
    field = fields.String()
    old = fields.Float()
    new = fields.Float()


@always_sent
class GoalEffectOut(Schema):
    key = fields.String()
    type = fields.String()
    before = fields.Float(allow_none=True, metadata={"description": "previous period (the version before)"})
    after = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    comparison_change = fields.Float(allow_none=True)
    effect = fields.Float(allow_none=True)


@always_sent
class ChangeEffectOut(Schema):
    change = fields.Nested(ChangeBrief)
    goals = fields.List(fields.Nested(GoalEffectOut))


@always_sent
class SuggestionOut(ProposedChange):
    id = fields.String()


class EvaluationFigures(Schema):
    plan_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    period_key = fields.String(required=True)
    previous_period_key = fields.String(required=True)
    as_of = DayOut(required=True)
    customers = fields.Integer(required=True)
    comparison_customers = fields.Integer(required=True, metadata={
        "description": "customers of the branch with the same tier and classes, outside the plan"})
    tasks = fields.Nested(TaskCountsOut, required=True)
    goals = fields.List(fields.Nested(GoalResultOut), required=True)
    change_effects = fields.List(fields.Nested(ChangeEffectOut), required=True, metadata={
        "description": "what this version's changes did to the goals they were meant to move"})
    suggestions = fields.List(fields.Nested(SuggestionOut), required=True, metadata={
        "description": "proposed changes for the next version, each with its reason"})


class EvaluationOut(EvaluationFigures):
    id = fields.String(required=True, metadata={"description": "<plan_id>:<period_key>"})
    version = fields.Integer(required=True)
    manager_id = fields.String(required=True)
    branch = fields.String(allow_none=True)
    period_start = DayOut(required=True)
    period_end = DayOut(required=True)
    evaluated_by = fields.String(allow_none=True)
    created_at = When()


@always_sent
class EvaluationList(Schema):
    items = fields.List(fields.Nested(EvaluationOut), metadata={"description": "newest period first"})


# --------------------------------------------------------------------------- worklist and figures parts
class EscalatedComplaintOut(Schema):
    breach_id = fields.String(required=True)
    complaint_id = fields.String(required=True)
    cycle = fields.Integer(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    deadline_kind = fields.String(allow_none=True)
    stage = fields.String(allow_none=True, metadata={"description": "near | breached"})
    due = When(allow_none=True)
    escalation_level = fields.Integer(allow_none=True)
    received_at = When(allow_none=True)


@always_sent
class GoalBrief(Schema):
    key = fields.String()
    type = fields.String()
    target = fields.Float()
    achieved = fields.Float(allow_none=True)
    met = fields.Boolean()
    previous = fields.Float(allow_none=True)
    comparison = fields.Float(allow_none=True)
    effect = fields.Float(allow_none=True)


@always_sent
class EvaluationBrief(Schema):
    period_key = fields.String()
    revision = fields.Integer()
    customers = fields.Integer()
    comparison_customers = fields.Integer()
    goals = fields.List(fields.Nested(GoalBrief))


@always_sent
class PlanFigures(Schema):
    """A plan in the team figures: its tasks for these managers and its latest evaluation."""
    plan_id = fields.String()
    name = fields.String()
    revision = fields.Integer()
    status = fields.String(validate=validate.OneOf(rules.PLAN_STATES))
    period_key = fields.String()
    tasks = fields.Nested(TaskCountsOut)
    latest_evaluation = fields.Nested(EvaluationBrief, allow_none=True)

