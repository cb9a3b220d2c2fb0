"""marshmallow schemas: validation in, serialisation out (unknown fields are refused).

Output schemas are the contract (issue #10): a response carries exactly the fields
declared here, so every field a handler sends is declared, nullable ones with
``allow_none``, and no object is left untyped.
"""
from datetime import date, datetime, timezone
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import (
    PageQuery,  # noqa: F401  (re-exported for the api modules)
    StrictBoolean,
    StrictInteger,
)

from . import rules
from .nba_schemas import NextBestActionOut
from .plan_schemas import DeviationOut, EscalatedComplaintOut, PlanFigures, WorklistTask

ID = validate.Length(1, 100)
TEXT = validate.Length(0, 4000)
SHORT = validate.Length(1, 200)
STR_LIST = lambda n=50: fields.List(fields.String(validate=SHORT), validate=validate.Length(0, n))  # noqa: E731
REQUEST_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="8–64 letters, digits, '-' or '_'.")
# Dates and times the service works with: the holiday calendar's years (1901–2099). Beyond
# them the calendar has no data and date arithmetic (day bounds in UTC, due dates) overflows.
DAY = validate.Range(date(1901, 1, 1), date(2099, 12, 31), error="Must be between 1901-01-01 and 2099-12-31.")
WHEN = validate.Range(datetime(1901, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc),
                      max_inclusive=False, error="Must be between 1901 and 2099.")


def Day(**kwargs):  # noqa: N802  (a field factory, named like the fields it makes)
    return fields.Date(validate=DAY, **kwargs)


def When(**kwargs):  # noqa: N802
    return fields.AwareDateTime(default_timezone=timezone.utc, validate=WHEN, **kwargs)


class DateOut(fields.Date):
    """A date in a response; the rules modules hand some over as ISO strings already."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class DateTimeOut(fields.DateTime):
    """A time in a response (UTC, ISO 8601 with offset), from a datetime or an ISO string."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


def always_sent(cls):
    """Mark every field of an output schema required: the handler always sends each one
    (null where nullable), so a generated client need not treat them as optional."""
    for f in cls._declared_fields.values():
        f.required = True
    return cls


class ManagerDateQuery(Schema):
    manager_id = fields.String(validate=ID, metadata={
        "description": "whose book; managers default to themselves, everyone else must name one"})
    date = Day(metadata={"description": "the bank's calendar day (Asia/Shanghai); default today"})


class StatsQuery(Schema):
    manager_ids = fields.String(required=True, validate=validate.Length(1, 4000),
                                metadata={"description": "comma-separated manager ids", "example": "u-17,u-18"})
    from_ = Day(required=True, data_key="from")
    to = Day(required=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be before 'from'", "to")


# --------------------------------------------------------------------------- interactions
CHANNEL: dict[str, Any] = dict(validate=validate.OneOf(rules.CHANNELS))


class InteractionIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    channel = fields.String(required=True, **CHANNEL, metadata={"example": "phone"})
    purpose = fields.String(required=True, validate=SHORT, metadata={"example": "定期存款到期提醒"})
    summary = fields.String(validate=TEXT)
    outcome = fields.String(validate=TEXT)
    next_step = fields.String(validate=TEXT)
    follow_up_date = Day(metadata={"description": "when to contact the customer again (shows on that day's worklist)"})
    occurred_at = When(metadata={"description": "when the contact took place (default now; not in the future)"})


class InteractionOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    channel = fields.String(**CHANNEL)
    purpose = fields.String()
    summary = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    next_step = fields.String(allow_none=True)
    follow_up_date = fields.Date(allow_none=True)
    occurred_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)


@always_sent
class InteractionPage(Schema):
    items = fields.List(fields.Nested(InteractionOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "send as ?cursor= for the next page; "
                                                                          "null on the last page"})


# --------------------------------------------------------------------------- visits
class VisitPlanIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    kind = fields.String(load_default="scheduled", validate=validate.OneOf(["scheduled", "rolling"]),
                         metadata={"description": "rolling: part of a round over the whole book"})
    scheduled_at = When(required=True, metadata={"example": "2026-06-01T10:00:00+08:00"})
    objective = fields.String(required=True, validate=SHORT, metadata={"example": "介绍新理财产品"})
    materials = STR_LIST()
    checklist = STR_LIST()
    opening = fields.String(validate=TEXT)
    expected_objections = STR_LIST()


class VisitRecordIn(Schema):
    notes = fields.String(required=True, validate=validate.Length(1, 8000), metadata={"example": "客户关注养老规划"})
    needs_found = fields.List(fields.String(validate=SHORT), validate=validate.Length(0, 50),
                              metadata={"example": ["养老规划", "子女教育金"]})
    commitments = fields.List(fields.String(validate=SHORT), validate=validate.Length(0, 50),
                              metadata={"example": ["下周发送产品说明书"]})
    visited_at = When(metadata={"description": "when the visit took place (default: when it was started, or now)"})
    next_appointment_at = When(metadata={"description": "a concrete date and time agreed with the customer"})


class VisitEvaluateIn(Schema):
    outcome = fields.String(required=True, validate=TEXT)
    objective_met = StrictBoolean(required=True)
    rating = StrictInteger(required=True, validate=validate.Range(1, 5))
    lessons = fields.String(validate=TEXT)


class VisitCancelIn(Schema):
    reason = fields.String(required=True, validate=SHORT, metadata={"example": "客户出差"})


class VisitQuery(PageQuery):
    manager_id = fields.String(validate=ID)
    customer_id = fields.String(validate=ID)
    status = fields.String(validate=validate.OneOf(rules.VISIT_STATES))
    from_ = Day(data_key="from", metadata={"description": "scheduled on or after this day"})
    to = Day(metadata={"description": "scheduled on or before this day"})


class VisitPlanOut(Schema):
    """What was prepared before the visit."""
    objective = fields.String()
    materials = fields.List(fields.String())
    checklist = fields.List(fields.String())
    opening = fields.String()
    expected_objections = fields.List(fields.String())


class VisitRecordOut(Schema):
    """What happened, recorded after the visit."""
    notes = fields.String()
    needs_found = fields.List(fields.String())
    commitments = fields.List(fields.String())
    next_appointment_at = fields.DateTime(allow_none=True)


class VisitEvaluationOut(Schema):
    outcome = fields.String()
    objective_met = fields.Boolean()
    rating = fields.Integer(metadata={"minimum": 1, "maximum": 5})
    lessons = fields.String()


class VisitOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    kind = fields.String(validate=validate.OneOf(["scheduled", "rolling"]))
    status = fields.String(validate=validate.OneOf(rules.VISIT_STATES))
    scheduled_at = fields.DateTime()
    plan = fields.Nested(VisitPlanOut)
    record = fields.Nested(VisitRecordOut, metadata={"description": "absent until the visit is recorded"})
    evaluation = fields.Nested(VisitEvaluationOut, metadata={"description": "absent until the visit is evaluated"})
    visited_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


@always_sent
class VisitPage(Schema):
    items = fields.List(fields.Nested(VisitOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class RollingQuery(Schema):
    manager_id = fields.String(validate=ID, metadata={"description": "managers default to themselves"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


@always_sent
class NextPlannedVisit(Schema):
    visit_id = fields.String()
    scheduled_at = fields.DateTime()


@always_sent
class RollingItem(Schema):
    customer_id = fields.String()
    name = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    last_visited_at = fields.DateTime(allow_none=True, metadata={"description": "null: never visited"})
    next_planned = fields.Nested(NextPlannedVisit, allow_none=True,
                                 metadata={"description": "the earliest planned or started visit; null: none"})


@always_sent
class RollingPage(Schema):
    manager_id = fields.String()
    items = fields.List(fields.Nested(RollingItem), metadata={"description": "never visited first, then least "
                                                                             "recently visited"})
    total = fields.Integer(metadata={"description": "customers in the book (items holds at most limit of them)"})


# --------------------------------------------------------------------------- cadence
class CadenceIn(Schema):
    interval_days = StrictInteger(required=True, validate=validate.Range(1, 3660), metadata={"example": 30})


class CadenceRuleOut(Schema):
    key = fields.String(metadata={"example": "tier:gold"})
    kind = fields.String(validate=validate.OneOf(["tier", "class"]))
    value = fields.String(metadata={"example": "gold"})
    interval_days = fields.Integer(metadata={"description": "days allowed between two contacts"})
    source = fields.String(validate=validate.OneOf(["default", "custom"]),
                           metadata={"description": "custom: set by an admin; default: built in"})
    version = fields.Integer(allow_none=True, metadata={"description": "send as If-Match to change a custom rule; "
                                                                       "null for a default"})


@always_sent
class ContactDue(Schema):
    """A customer to contact: due (deadline within 7 days) or overdue."""
    customer_id = fields.String()
    name = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    interval_days = fields.Integer(
        metadata={"description": "the shortest cadence among the customer's tier and classes"})
    last_contact_at = DateTimeOut(allow_none=True, metadata={"description": "latest interaction or visit; null: never"})
    due_on = DateOut(metadata={"description": "when the next contact is due"})
    days_overdue = fields.Integer(metadata={"description": "0 when not overdue yet"})
    channel = fields.String(**CHANNEL, metadata={"description": "the customer's preferred channel (phone by default)"})


@always_sent
class ContactsDue(Schema):
    manager_id = fields.String()
    due = fields.List(fields.Nested(ContactDue), metadata={"description": "soonest deadline first"})
    overdue = fields.List(fields.Nested(ContactDue), metadata={"description": "most overdue first"})


# --------------------------------------------------------------------------- care
class GreetingIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    occasion = fields.String(required=True, validate=validate.Regexp(r"^[a-z_0-9]{3,60}$"), metadata={
        "description": "an occasion key from /greetings/due: birthday, holiday_<key> or anniversary_<n>",
        "example": "holiday_spring_festival"})
    year = StrictInteger(required=True, validate=validate.Range(1901, 2099), metadata={"example": 2026})
    channel = fields.String(required=True, **CHANNEL, metadata={"example": "wechat"})
    note = fields.String(validate=validate.Length(0, 500))


class GreetingOut(Schema):
    id = fields.String(metadata={"description": "<occasion>:<year>:<customer_id>: one greeting per occasion"})
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    occasion = fields.String()
    kind = fields.String(validate=validate.OneOf(["birthday", "holiday", "anniversary"]))
    label = fields.String(allow_none=True)
    year = fields.Integer()
    occasion_date = fields.Date()
    channel = fields.String(**CHANNEL)
    sent_at = fields.DateTime()
    sent_by = fields.String(allow_none=True)


@always_sent
class GreetingDue(Schema):
    """An occasion not greeted yet; send it with POST /greetings {customer_id, occasion, year, channel}."""
    greeting_id = fields.String(metadata={"example": "birthday:2026:c-1"})
    customer_id = fields.String()
    name = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True)
    occasion = fields.String(metadata={"example": "birthday"})
    kind = fields.String(validate=validate.OneOf(["birthday", "holiday", "anniversary"]))
    label = fields.String(metadata={"example": "生日 Birthday"})
    date = DateOut()
    year = fields.Integer()
    channel = fields.String(**CHANNEL, metadata={"description": "the customer's preferred channel (sms by default)"})


@always_sent
class GreetingsDue(Schema):
    manager_id = fields.String()
    date = DateOut()
    items = fields.List(fields.Nested(GreetingDue))


class HolidayQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(1901, 2099), metadata={"example": 2026})


@always_sent
class HolidayOut(Schema):
    key = fields.String(metadata={"example": "spring_festival"})
    name = fields.String(metadata={"example": "春节"})
    name_en = fields.String(metadata={"example": "Spring Festival"})
    date = fields.Date()
    lunar = fields.Boolean(metadata={"description": "true: a date of the Chinese lunisolar calendar"})


@always_sent
class HolidayCalendar(Schema):
    year = fields.Integer()
    source = fields.String()
    holidays = fields.List(fields.Nested(HolidayOut))


# --------------------------------------------------------------------------- gifts
TIER: dict[str, Any] = dict(validate=validate.OneOf(rules.TIERS))


class GiftIn(Schema):
    name = fields.String(required=True, validate=SHORT, metadata={"example": "中秋月饼礼盒"})
    cost_cents = StrictInteger(required=True, validate=validate.Range(0, 10_000_000), metadata={"example": 19900})
    stock = StrictInteger(required=True, validate=validate.Range(0, 100_000), metadata={"example": 100})
    tiers = fields.List(fields.String(**TIER), load_default=list,
                        metadata={"description": "tiers it may be given to; empty: every tier", "example": ["gold"]})


class RestockIn(Schema):
    add = StrictInteger(required=True, validate=validate.Range(1, 100_000), metadata={"example": 50})


class GiftOut(Schema):
    id = fields.String()
    version = fields.Integer(metadata={"description": "send as If-Match to restock"})
    name = fields.String()
    cost_cents = fields.Integer()
    stock_total = fields.Integer(metadata={"description": "ever stocked"})
    issued = fields.Integer()
    available = fields.Integer()
    tiers = fields.List(fields.String(**TIER), metadata={"description": "empty: every tier"})
    active = fields.Boolean()


class BudgetIn(Schema):
    branch = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"),
                           metadata={"example": "sh-pudong"})
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$", error="YYYY, YYYY-Qn or YYYY-MM."),
        metadata={"description": "a year, quarter or month; the most specific one covering today is spent",
                  "example": "2026-Q3"})
    amount_cents = StrictInteger(required=True, validate=validate.Range(0, 10_000_000_000),
                                  metadata={"example": 5_000_000})


class BudgetOut(Schema):
    id = fields.String(metadata={"example": "sh-pudong:2026-Q3"})
    version = fields.Integer()
    branch = fields.String()
    period = fields.String()
    amount_cents = fields.Integer()
    spent_cents = fields.Integer()
    remaining_cents = fields.Integer()


@always_sent
class GiftBudgetOut(Schema):
    """What a gift to this customer would spend from today (shown before issuing)."""
    customer_id = fields.String()
    branch = fields.String(allow_none=True, metadata={"description": "the customer's branch (else the caller's)"})
    date = DateOut(metadata={"description": "today, the bank's day"})
    budget = fields.Nested(BudgetOut, allow_none=True, metadata={
        "description": "the most specific budget covering today (month, quarter, year); null: none, so an "
                       "issue would be 409 `no-budget`"})


class IssueIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    reason = fields.String(required=True, validate=SHORT, metadata={"example": "生日关怀"})
    request_id = fields.String(required=True, validate=REQUEST_ID, metadata={
        "description": "idempotency key: the same key issues at most once", "example": "b7e1c2d4-issue-0001"})


class IssueOut(Schema):
    id = fields.String(metadata={"description": "the request_id"})
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
    tiers = fields.List(fields.String(**TIER), load_default=list)
    classes = STR_LIST()
    tags = STR_LIST()
    manager_ids = STR_LIST(500)


class ActivityIn(Schema):
    name = fields.String(required=True, validate=SHORT, metadata={"example": "财富沙龙：2026 资产配置"})
    type = fields.String(required=True, validate=validate.OneOf(rules.ACTIVITY_TYPES))
    starts_at = When(required=True, metadata={"example": "2026-09-12T14:00:00+08:00"})
    location = fields.String(validate=SHORT)
    capacity = StrictInteger(required=True, validate=validate.Range(1, 10_000), metadata={"example": 30})
    budget_cents = StrictInteger(required=True, validate=validate.Range(0, 10_000_000_000),
                                  metadata={"example": 600_000})
    cost_per_head_cents = StrictInteger(load_default=0, validate=validate.Range(0, 100_000_000),
                                         metadata={"example": 20_000})
    segment = fields.Nested(SegmentSchema, load_default=dict, metadata={
        "description": "who is invited: every non-empty criterion must match (any of its values); "
                       "empty: every active customer the inviter sees",
        "example": {"tiers": ["gold", "diamond"], "tags": ["wealth"]}})

    @validates_schema
    def _budget(self, data, **kwargs):
        if {"capacity", "budget_cents"} <= data.keys() and not rules.activity_budget_ok(
                data["capacity"], data.get("cost_per_head_cents", 0), data["budget_cents"]):
            raise ValidationError("capacity × cost per head exceeds the budget", "budget_cents")


class ActivityEditIn(Schema):
    """Any of a planned activity's fields; what is left out stays as it is."""
    name = fields.String(validate=SHORT)
    type = fields.String(validate=validate.OneOf(rules.ACTIVITY_TYPES))
    starts_at = When()
    location = fields.String(validate=SHORT)
    capacity = StrictInteger(validate=validate.Range(1, 10_000))
    budget_cents = StrictInteger(validate=validate.Range(0, 10_000_000_000))
    cost_per_head_cents = StrictInteger(validate=validate.Range(0, 100_000_000))
    segment = fields.Nested(SegmentSchema)
    reason = fields.String(required=True, validate=SHORT, metadata={"description": "why (kept in the history)",
                                                                     "example": "场地改到二楼"})


class ActivityCancelIn(Schema):
    reason = fields.String(required=True, validate=SHORT, metadata={"description": "why (stays in this service)",
                                                                     "example": "台风预警，活动取消"})


class SegmentOut(Schema):
    tiers = fields.List(fields.String(**TIER))
    classes = fields.List(fields.String())
    tags = fields.List(fields.String())
    manager_ids = fields.List(fields.String())


class ActivityOut(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    type = fields.String(validate=validate.OneOf(rules.ACTIVITY_TYPES))
    branch = fields.String(allow_none=True)
    organiser_id = fields.String(allow_none=True)
    starts_at = fields.DateTime()
    location = fields.String(allow_none=True)
    capacity = fields.Integer()
    budget_cents = fields.Integer()
    cost_per_head_cents = fields.Integer()
    segment = fields.Nested(SegmentOut)
    status = fields.String(validate=validate.OneOf(rules.ACTIVITY_STATES))
    seats_taken = fields.Integer()
    follow_up_actions = fields.List(fields.String())
    cancel_reason = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)


class RsvpIn(Schema):
    customer_id = fields.String(required=True, validate=ID)
    answer = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]),
                           metadata={"example": "accept"})


INVITATION_STATES = ("invited", "accepted", "waitlisted", "declined")


class InvitationOut(Schema):
    id = fields.String(metadata={"description": "<activity_id>:<customer_id>"})
    activity_id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(INVITATION_STATES))
    seat_no = fields.Integer(allow_none=True, metadata={"description": "null unless accepted with a seat"})
    attended = fields.Boolean()
    responded_at = fields.DateTime(allow_none=True)


@always_sent
class InviteResult(Schema):
    segment_size = fields.Integer(metadata={"description": "customers of the segment the caller sees"})
    invited = fields.Integer(metadata={"description": "invited by this call"})
    already_invited = fields.Integer()


class AttendanceIn(Schema):
    customer_ids = fields.List(fields.String(validate=ID), required=True, validate=validate.Length(1, 10_000),
                               metadata={"example": ["c-1", "c-2"]})


@always_sent
class AttendanceResult(Schema):
    marked = fields.List(fields.String(), metadata={"description": "customers now marked as attended"})
    refused = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "customer id → why not (no accepted invitation the caller sees)",
        "example": {"c-9": "not an accepted invitation"}})


class EvaluationIn(Schema):
    follow_up_actions = fields.List(fields.String(validate=SHORT), validate=validate.Length(0, 100),
                                    metadata={"description": "replaces the list when sent",
                                              "example": ["电话回访未到场客户"]})
    notes = fields.String(validate=TEXT, metadata={"example": "反响好，建议下季度再办"})


@always_sent
class ActivityFigures(Schema):
    """Invitation counts and satisfaction of one activity."""
    invited = fields.Integer(metadata={"description": "invitations sent, whatever the answer"})
    accepted = fields.Integer()
    waitlisted = fields.Integer()
    declined = fields.Integer()
    attended = fields.Integer()
    attendance_rate = fields.Float(allow_none=True,
                                   metadata={"description": "attended / accepted; null: none accepted"})
    satisfaction = fields.Float(allow_none=True, metadata={"description": "mean survey score; null: no answers"})
    responses = fields.Integer(metadata={"description": "survey answers counted"})
    products_opened = fields.Integer(metadata={
        "description": "products attendees opened (core banking's core.product.opened) from the activity's day "
                       "to products_window_days after it"})
    attendees_with_products = fields.Integer(metadata={"description": "attendees who opened at least one of them"})
    products_window_days = fields.Integer(metadata={"description": "the window, N days (the branch's engagement "
                                                                   "policy, default 30)"})


@always_sent
class ActivityEvaluationOut(ActivityFigures):
    activity_id = fields.String()
    status = fields.String(validate=validate.OneOf(rules.ACTIVITY_STATES))
    follow_up_actions = fields.List(fields.String())
    notes = fields.String(allow_none=True)


# --------------------------------------------------------------------------- composed views, reminders
@always_sent
class InteractionBrief(Schema):
    id = fields.String()
    channel = fields.String(**CHANNEL)
    purpose = fields.String()
    outcome = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    manager_id = fields.String(allow_none=True)
    follow_up_date = fields.Date(allow_none=True)


@always_sent
class FollowUpDue(InteractionBrief):
    customer_id = fields.String()


@always_sent
class VisitBrief(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(rules.VISIT_STATES))
    kind = fields.String(allow_none=True)
    scheduled_at = fields.DateTime()
    objective = fields.String(allow_none=True)
    visited_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True, metadata={"description": "1–5 once evaluated"})
    customer_id = fields.String()


@always_sent
class PlannedVisit(VisitBrief):
    name = fields.String(allow_none=True, metadata={"description": "the customer's name"})


REMINDER_KINDS = ("balance_changed", "deposit_maturing", "account_dormant")


class ReminderDetails(Schema):
    """What core banking said; which members are present depends on the kind."""
    change_cents = fields.Integer(metadata={"description": "balance_changed: signed change"})
    balance_cents = fields.Integer(allow_none=True)
    currency = fields.String(metadata={"example": "CNY"})
    maturity_date = DateOut(metadata={"description": "deposit_maturing"})
    amount_cents = fields.Integer(metadata={"description": "deposit_maturing"})
    dormant_since = DateOut(metadata={"description": "account_dormant"})


@always_sent
class ReminderOut(Schema):
    """An account reminder from core banking."""
    id = fields.String()
    kind = fields.String(validate=validate.OneOf(REMINDER_KINDS))
    customer_id = fields.String()
    account_ref = fields.String(allow_none=True, metadata={"description": "masked account tail", "example": "****1234"})
    details = fields.Nested(ReminderDetails)
    occurred_at = fields.DateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(["open", "done"]))


@always_sent
class WorklistReminder(ReminderOut):
    name = fields.String(allow_none=True, metadata={"description": "the customer's name"})


@always_sent
class Reminders(Schema):
    manager_id = fields.String()
    items = fields.List(fields.Nested(ReminderOut), metadata={"description": "open reminders, newest first (≤ 500)"})


class ReminderDoneIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["done"]), metadata={"example": "done"})


@always_sent
class CustomerSummary(Schema):
    """The engagement part of the customer 360."""
    customer_id = fields.String()
    recent_interactions = fields.List(fields.Nested(InteractionBrief), metadata={"description": "newest 5"})
    recent_visits = fields.List(fields.Nested(VisitBrief), metadata={"description": "latest scheduled 5"})
    upcoming_care = fields.List(fields.Nested(GreetingDue), metadata={"description": "occasions in the next 30 days "
                                                                                     "not greeted yet"})
    account_reminders = fields.List(fields.Nested(ReminderOut), metadata={"description": "newest 5 open"})


@always_sent
class WorklistOut(Schema):
    """The engagement part of a manager's day."""
    manager_id = fields.String()
    date = fields.Date()
    greetings_due = fields.List(fields.Nested(GreetingDue))
    contacts_due = fields.List(fields.Nested(ContactDue))
    contacts_overdue = fields.List(fields.Nested(ContactDue))
    visits_planned = fields.List(fields.Nested(PlannedVisit), metadata={"description": "planned or started, that day"})
    account_reminders = fields.List(fields.Nested(WorklistReminder), metadata={"description": "open, newest first"})
    follow_ups_due = fields.List(fields.Nested(FollowUpDue), metadata={"description": "interactions whose "
                                                                                     "follow-up date is that day"})
    plan_tasks = fields.List(fields.Nested(WorklistTask), metadata={
        "description": "open plan and handed-down tasks due within 14 days, and late ones"})
    plan_deviations = fields.List(fields.Nested(DeviationOut), metadata={
        "description": "late tasks and goals projected to miss; on a supervisor's worklist also the team's "
                       "past the plan's threshold (escalated)"})
    escalated_complaints = fields.List(fields.Nested(EscalatedComplaintOut), metadata={
        "description": "a supervisor's worklist: the team's complaints escalated near or past an SLA deadline"})
    next_best_actions = fields.List(fields.Nested(NextBestActionOut), metadata={
        "description": "next best action (下一步最佳行动): the book's customers with a reason to be worked on, "
                       "best first by value × (1 + risk) × (1 + staleness) + task, with score parts and reasons"})


@always_sent
class ManagerFigures(Schema):
    customers = fields.Integer(metadata={"description": "in the book now"})
    contacted = fields.Integer(metadata={"description": "customers with an interaction or visit in the period"})
    interactions = fields.Integer()
    visits_completed = fields.Integer()
    greetings_sent = fields.Integer()
    gifts_issued = fields.Integer()


@always_sent
class ContactCoverage(Schema):
    overall = fields.Float(allow_none=True, metadata={"description": "contacted / customers; null: no customers"})
    per_manager = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                              metadata={"description": "manager id → coverage", "example": {"u-17": 0.75}})


@always_sent
class ActivityStats(ActivityFigures):
    id = fields.String()
    name = fields.String()
    type = fields.String(validate=validate.OneOf(rules.ACTIVITY_TYPES))
    starts_at = fields.DateTime()
    status = fields.String(allow_none=True, validate=validate.OneOf(rules.ACTIVITY_STATES))


@always_sent
class StatsOut(Schema):
    """Team figures over a period (the engagement part of the team dashboard)."""
    manager_ids = fields.List(fields.String())
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    contact_coverage = fields.Nested(ContactCoverage)
    activities = fields.List(fields.Nested(ActivityStats), metadata={"description": "activities starting in the "
                                                                                   "period (the caller's branch)"})
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ManagerFigures),
                              metadata={"description": "manager id → figures"})
    plans = fields.List(fields.Nested(PlanFigures), metadata={
        "description": "maintenance plans with tasks for these managers in the period: progress and effect"})
