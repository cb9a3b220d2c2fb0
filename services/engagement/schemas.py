"""marshmallow schemas: validation in, serialisation out (unknown fields are refused)."""
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import PageQuery  # noqa: F401  (re-exported for the api modules)

from . import rules

ID = validate.Length(1, 100)
TEXT = validate.Length(0, 4000)
SHORT = validate.Length(1, 200)
STR_LIST = lambda n=50: fields.List(fields.String(validate=SHORT), validate=validate.Length(0, n))  # noqa: E731
REQUEST_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="8–64 letters, digits, '-' or '_'.")


class PlainDict(fields.Dict):
    """A stored sub-document as JSON: datetimes and dates as ISO 8601."""

    def _serialize(self, value, attr, obj, **kwargs):
        def conv(v):
            if hasattr(v, "isoformat"):
                return v.isoformat()
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list):
                return [conv(x) for x in v]
            return v
        return None if value is None else conv(dict(value))




class ManagerDateQuery(Schema):
    manager_id = fields.String(validate=ID)
    date = fields.Date()


class StatsQuery(Schema):
    manager_ids = fields.String(required=True, validate=validate.Length(1, 4000))
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be before 'from'", "to")


# --------------------------------------------------------------------------- interactions
class InteractionIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    purpose = fields.String(required=True, validate=SHORT)
    summary = fields.String(validate=TEXT)
    outcome = fields.String(validate=TEXT)
    next_step = fields.String(validate=TEXT)
    follow_up_date = fields.Date()
    occurred_at = fields.AwareDateTime(default_timezone=timezone.utc)


class InteractionOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    channel = fields.String()
    purpose = fields.String()
    summary = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    next_step = fields.String(allow_none=True)
    follow_up_date = fields.Date(allow_none=True)
    occurred_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)


class InteractionPage(Schema):
    items = fields.List(fields.Nested(InteractionOut))
    next_cursor = fields.String(allow_none=True)


# --------------------------------------------------------------------------- visits
class VisitPlanIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    kind = fields.String(load_default="scheduled", validate=validate.OneOf(["scheduled", "rolling"]))
    scheduled_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    objective = fields.String(required=True, validate=SHORT)
    materials = STR_LIST()
    checklist = STR_LIST()
    opening = fields.String(validate=TEXT)
    expected_objections = STR_LIST()


class VisitRecordIn(Schema):
    notes = fields.String(required=True, validate=validate.Length(1, 8000))
    needs_found = STR_LIST()
    commitments = STR_LIST()
    visited_at = fields.AwareDateTime(default_timezone=timezone.utc)
    next_appointment_at = fields.AwareDateTime(default_timezone=timezone.utc,
                                               metadata={"description": "a concrete date and time agreed with the customer"})


class VisitEvaluateIn(Schema):
    outcome = fields.String(required=True, validate=TEXT)
    objective_met = fields.Boolean(required=True)
    rating = fields.Integer(required=True, validate=validate.Range(1, 5))
    lessons = fields.String(validate=TEXT)


class VisitCancelIn(Schema):
    reason = fields.String(required=True, validate=SHORT)


class VisitQuery(PageQuery):
    manager_id = fields.String(validate=ID)
    customer_id = fields.String(validate=ID)
    status = fields.String(validate=validate.OneOf(rules.VISIT_STATES))
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class VisitOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    kind = fields.String()
    status = fields.String()
    scheduled_at = fields.DateTime()
    plan = PlainDict()
    record = PlainDict()
    evaluation = PlainDict()
    visited_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class VisitPage(Schema):
    items = fields.List(fields.Nested(VisitOut))
    next_cursor = fields.String(allow_none=True)


class RollingQuery(Schema):
    manager_id = fields.String(validate=ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


# --------------------------------------------------------------------------- cadence
class CadenceIn(Schema):
    interval_days = fields.Integer(required=True, validate=validate.Range(1, 3660))


class CadenceRuleOut(Schema):
    key = fields.String()
    kind = fields.String()
    value = fields.String()
    interval_days = fields.Integer()
    source = fields.String()
    version = fields.Integer(allow_none=True)


# --------------------------------------------------------------------------- care
class GreetingIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    occasion = fields.String(required=True, validate=validate.Regexp(r"^[a-z_0-9]{3,60}$"))
    year = fields.Integer(required=True, validate=validate.Range(1901, 2099))
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    note = fields.String(validate=validate.Length(0, 500))


class GreetingOut(Schema):
    id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    occasion = fields.String()
    kind = fields.String()
    label = fields.String(allow_none=True)
    year = fields.Integer()
    occasion_date = fields.Date()
    channel = fields.String()
    sent_at = fields.DateTime()
    sent_by = fields.String(allow_none=True)


class HolidayQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(1901, 2099))


# --------------------------------------------------------------------------- gifts
class GiftIn(Schema):
    name = fields.String(required=True, validate=SHORT)
    cost_cents = fields.Integer(required=True, validate=validate.Range(0, 10_000_000))
    stock = fields.Integer(required=True, validate=validate.Range(0, 100_000))
    tiers = fields.List(fields.String(validate=validate.OneOf(rules.TIERS)), load_default=list)


class RestockIn(Schema):
    add = fields.Integer(required=True, validate=validate.Range(1, 100_000))


class GiftOut(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    cost_cents = fields.Integer()
    stock_total = fields.Integer()
    issued = fields.Integer()
    available = fields.Integer()
    tiers = fields.List(fields.String())
    active = fields.Boolean()


class BudgetIn(Schema):
    branch = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"))
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$", error="YYYY, YYYY-Qn or YYYY-MM."))
    amount_cents = fields.Integer(required=True, validate=validate.Range(0, 10_000_000_000))


class BudgetOut(Schema):
    id = fields.String()
    version = fields.Integer()
    branch = fields.String()
    period = fields.String()
    amount_cents = fields.Integer()
    spent_cents = fields.Integer()
    remaining_cents = fields.Integer()


class IssueIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    reason = fields.String(required=True, validate=SHORT)
    request_id = fields.String(required=True, validate=REQUEST_ID,
                               metadata={"description": "idempotency key: the same key issues at most once"})


class IssueOut(Schema):
    id = fields.String()
    gift_id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    reason = fields.String()
    issued_by = fields.String()
    issued_at = fields.DateTime()
    cost_cents = fields.Integer()
    budget_id = fields.String()


# --------------------------------------------------------------------------- activities
class SegmentSchema(Schema):
    tiers = fields.List(fields.String(validate=validate.OneOf(rules.TIERS)), load_default=list)
    classes = STR_LIST()
    tags = STR_LIST()
    manager_ids = STR_LIST(500)


class ActivityIn(Schema):
    name = fields.String(required=True, validate=SHORT)
    type = fields.String(required=True, validate=validate.OneOf(rules.ACTIVITY_TYPES))
    starts_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    location = fields.String(validate=SHORT)
    capacity = fields.Integer(required=True, validate=validate.Range(1, 10_000))
    budget_cents = fields.Integer(required=True, validate=validate.Range(0, 10_000_000_000))
    cost_per_head_cents = fields.Integer(load_default=0, validate=validate.Range(0, 100_000_000))
    segment = fields.Nested(SegmentSchema, load_default=dict)

    @validates_schema
    def _budget(self, data, **kwargs):
        if {"capacity", "budget_cents"} <= data.keys() and not rules.activity_budget_ok(
                data["capacity"], data.get("cost_per_head_cents", 0), data["budget_cents"]):
            raise ValidationError("capacity × cost per head exceeds the budget", "budget_cents")


class ActivityOut(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    type = fields.String()
    branch = fields.String(allow_none=True)
    organiser_id = fields.String(allow_none=True)
    starts_at = fields.DateTime()
    location = fields.String(allow_none=True)
    capacity = fields.Integer()
    budget_cents = fields.Integer()
    cost_per_head_cents = fields.Integer()
    segment = fields.Dict()
    status = fields.String()
    seats_taken = fields.Integer()
    follow_up_actions = fields.List(fields.String())


class RsvpIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    answer = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))


class InvitationOut(Schema):
    id = fields.String()
    activity_id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    status = fields.String()
    seat_no = fields.Integer(allow_none=True)
    attended = fields.Boolean()
    responded_at = fields.DateTime(allow_none=True)


class AttendanceIn(Schema):
    customer_ids = fields.List(fields.String(validate=ID), required=True, validate=validate.Length(1, 10_000))


class EvaluationIn(Schema):
    follow_up_actions = STR_LIST(100)
    notes = fields.String(validate=TEXT)


class ReminderDoneIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["done"]))
