"""marshmallow schemas: validation in, serialisation out.

Output schemas are the API contract (OpenAPI is generated from them): each one declares
every field its handler sends, ``allow_none`` where the value can be null, and
``required`` where the field is always present. ``validate=OneOf`` on an output field
only documents the enum (dump does not validate).
"""
from datetime import date, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import PageQuery, StrictBoolean, StrictFloat, StrictInteger

from . import rules

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="lower-case letters, digits and _ (no dots).")
SLA_STATES = ("ok", "near", "breached", "stopped")
SATISFACTION_LEVELS = ("satisfied", "neutral", "dissatisfied")
CONTEXT_TYPES = ("distribution", "visit", "activity", "complaint")


def _plain(value):
    """JSON-ready copy: dates and times as ISO 8601 (Flask would send RFC 822 dates)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class AnyValue(fields.Raw):
    """A value of any JSON type (an old or new value in a change record)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return _plain(value)


# An answer: rating/NPS an integer, single choice or text a string, multiple choice a list of
# options; null (or "" / []) for an optional question left unanswered.
ANSWER_DOC = {"anyOf": [{"type": "integer"}, {"type": "string"},
                        {"type": "array", "items": {"type": "string"}}],
              "nullable": True,
              "description": "rating: integer 1–5 · nps: integer 0–10 · single: one of the options · "
                             "multiple: list of distinct options · text: at most 2000 characters"}
ANSWERS_EXAMPLE = {"satisfaction": 5, "recommend": 9, "comment": "办理很快，谢谢"}


Query = PageQuery  # list queries below add their filters to the shared paging fields


# --- feedback -------------------------------------------------------------------------
class FeedbackIn(Schema):
    customer_id = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "the customer it came from, when known (must be one of the caller's customers)",
        "example": "c-000123"})
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS), metadata={"example": "phone"})
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES),
                             metadata={"example": "suggestion"})
    content = fields.String(required=True, validate=validate.Length(1, 4000),
                            metadata={"example": "希望手机银行增加理财到期提醒。"})


class FeedbackOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "send back as If-Match (also the ETag)"})
    customer_id = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True, metadata={"description": "the customer's manager, else the recorder"})
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES))
    content = fields.String(required=True)
    recorded_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class FeedbackQuery(Query):
    customer_id = fields.String()
    category = fields.String(validate=validate.OneOf(rules.CATEGORIES))
    channel = fields.String(validate=validate.OneOf(rules.CHANNELS))


class FeedbackPage(Schema):
    items = fields.List(fields.Nested(FeedbackOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "pass as ?cursor= for the next page; null on the last"})


# --- complaints -----------------------------------------------------------------------
class ComplaintIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "c-000123"})
    severity = fields.String(required=True, validate=validate.OneOf(rules.SEVERITIES), metadata={"example": "high"})
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES), metadata={"example": "service"})
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS), metadata={"example": "counter"})
    summary = fields.String(required=True, validate=validate.Length(1, 200), metadata={"example": "柜台排队超过一小时"})
    description = fields.String(validate=validate.Length(0, 4000))


class ComplaintOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "send back as If-Match (also the ETag)"})
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(rules.SEVERITIES))
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES))
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    summary = fields.String(required=True)
    description = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(rules.STATUSES))
    allowed_actions = fields.List(fields.String(validate=validate.OneOf(
        rules.COMPLAINTS.actions)), required=True, metadata={
        "description": "the workflow actions the current status allows; reject is the customer's no, "
                       "sent as confirm with confirmed: false"})
    assignee_id = fields.String(allow_none=True)
    cycle = fields.Integer(metadata={"description": "1, then +1 on every reopening (a fresh resolution deadline)"})
    cycle_started_at = fields.DateTime(allow_none=True)
    response_due = fields.DateTime(allow_none=True)
    resolution_due = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    sla_state = fields.String(required=True, validate=validate.OneOf(SLA_STATES), metadata={
        "description": "resolution deadline: ok, near, breached; stopped once resolved or closed"})
    outcome = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolved_within_sla = fields.Boolean(allow_none=True)
    confirmation = fields.String(allow_none=True, validate=validate.OneOf(("customer", "timeout")))
    closed_at = fields.DateTime(allow_none=True)
    escalation_level = fields.Integer()
    escalations = fields.List(fields.String(), metadata={"description": "breach ids already escalated"})
    last_note = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime()


class ComplaintQuery(Query):
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    customer_id = fields.String()
    manager_id = fields.String()


class ComplaintPage(Schema):
    items = fields.List(fields.Nested(ComplaintOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "pass as ?cursor= for the next page; null on the last"})


class AssignIn(Schema):
    assignee_id = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "description": "an active manager, supervisor or admin within the caller's team or branch",
        "example": "u-manager-7"})
    note = fields.String(validate=validate.Length(0, 2000))


class NoteIn(Schema):
    note = fields.String(validate=validate.Length(0, 2000), metadata={"example": "已致电客户，开始处理"})


class ResolveIn(Schema):
    outcome = fields.String(required=True, validate=validate.Length(1, 4000),
                            metadata={"example": "已退还多收的手续费 120 元"})
    note = fields.String(validate=validate.Length(0, 2000))


class ConfirmIn(Schema):
    confirmed = StrictBoolean(required=True, metadata={"description": "the customer accepts the resolution",
                                                        "example": True})
    note = fields.String(validate=validate.Length(0, 2000))


class ReopenIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000),
                           metadata={"example": "客户反映问题再次出现"})


class Actor(Schema):
    user_id = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, allow_none=True)


class FieldChange(Schema):
    field = fields.String(required=True)
    old = AnyValue(required=True, allow_none=True,
                   metadata={"description": "value before (any JSON type; null: unset)"})
    new = AnyValue(required=True, allow_none=True, metadata={"description": "value after (any JSON type; null: unset)"})


class HistoryEntry(Schema):
    version = fields.Integer(required=True, metadata={"description": "the version this change produced"})
    recorded_at = fields.DateTime(required=True)
    actor = fields.Nested(Actor, required=True)
    reason = fields.String(allow_none=True, metadata={"example": "complaint resolve"})
    diff = fields.List(fields.Nested(FieldChange), required=True)


# --- settings -------------------------------------------------------------------------
class SlaCell(Schema):
    response_hours = StrictInteger(required=True, validate=validate.Range(1, 24 * 90))
    resolution_hours = StrictInteger(required=True, validate=validate.Range(1, 24 * 365))


SLA_TABLE_EXAMPLE = {s: {"default": {"response_hours": h, "resolution_hours": r},
                         "private_banking": {"response_hours": max(1, h // 2), "resolution_hours": r // 2}}
                     for s, h, r in (("critical", 2, 24), ("high", 4, 48), ("medium", 8, 72), ("low", 24, 120))}


class SlaPolicy(Schema):
    table = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Nested(SlaCell)),
                        required=True, metadata={
                            "description": "severity → tier (or \"default\", required for every severity) → hours",
                            "example": SLA_TABLE_EXAMPLE})
    near_fraction = StrictFloat(required=True, validate=validate.Range(0.1, 0.99), metadata={
        "description": "share of a deadline's window after which it counts as near", "example": 0.8})
    confirm_timeout_hours = StrictInteger(required=True, validate=validate.Range(1, 24 * 60), metadata={
        "description": "a resolution the customer leaves unanswered this long is closed", "example": 168})

    @validates_schema
    def _table(self, data, **kwargs):
        errors = rules.validate_sla_table(data.get("table") or {})
        if errors:
            raise ValidationError(errors)


class SlaPolicyOut(SlaPolicy):
    version = fields.Integer(required=True, metadata={"description": "0: the defaults, never edited"})


class Triggers(Schema):
    visit = fields.String(allow_none=True)
    activity = fields.String(allow_none=True)
    complaint = fields.String(allow_none=True)


class Enabled(Schema):
    visit = StrictBoolean(required=True)
    activity = StrictBoolean(required=True)
    complaint = StrictBoolean(required=True)


class FollowUpPolicy(Schema):
    cap_days = StrictInteger(required=True, validate=validate.Range(1, 366), metadata={"example": 30})
    cap_count = StrictInteger(required=True, validate=validate.Range(1, 20), metadata={
        "description": "at most this many follow-up surveys per customer in cap_days", "example": 1})
    triggers = fields.Nested(Triggers, required=True,
                             metadata={"description": "survey id per trigger; null: the built-in follow-up survey"})
    enabled = fields.Nested(Enabled, required=True)


class FollowUpPolicyOut(FollowUpPolicy):
    version = fields.Integer(required=True, metadata={"description": "0: the defaults, never edited"})


# --- surveys --------------------------------------------------------------------------
class QuestionIn(Schema):
    key = fields.String(required=True, validate=KEY, metadata={"example": "satisfaction"})
    type = fields.String(required=True, validate=validate.OneOf(rules.QUESTION_TYPES), metadata={"example": "rating"})
    text = fields.String(required=True, validate=validate.Length(1, 500), metadata={"example": "您对本次服务满意吗？"})
    required = StrictBoolean(load_default=True)
    options = fields.List(fields.String(validate=validate.Length(1, 200)), validate=validate.Length(0, 30),
                          metadata={"description": "choices of a single or multiple question (at least 2)"})


class SurveyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200), metadata={"example": "理财讲座满意度"})
    description = fields.String(validate=validate.Length(0, 2000))
    questions = fields.List(fields.Nested(QuestionIn), required=True, validate=validate.Length(1, 50), metadata={
        "example": [{"key": "satisfaction", "type": "rating", "text": "您对本次讲座满意吗？(1–5)"},
                    {"key": "recommend", "type": "nps", "text": "您向亲友推荐的可能性？(0–10)"},
                    {"key": "topics", "type": "multiple", "text": "希望下次讲什么？", "required": False,
                     "options": ["基金", "保险", "养老规划"]}]})

    @validates_schema
    def _questions(self, data, **kwargs):
        errors = rules.validate_template(data.get("questions") or [])
        if errors:
            raise ValidationError(errors)


class QuestionOut(Schema):
    key = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(rules.QUESTION_TYPES))
    text = fields.String(required=True)
    required = fields.Boolean()
    options = fields.List(fields.String())


class SurveyOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "retired")))
    created_at = fields.DateTime(required=True)


class Segment(Schema):
    tiers = fields.List(fields.String(validate=validate.OneOf(rules.TIERS)), load_default=list,
                        metadata={"example": ["diamond", "private_banking"]})
    classes = fields.List(fields.String(), load_default=list)
    tags = fields.List(fields.String(), load_default=list)
    manager_ids = fields.List(fields.String(), load_default=list)


class DistributionIn(Schema):
    segment = fields.Nested(Segment, required=True, metadata={
        "description": "customers matching every non-empty list (any value of a list); all empty: everyone"})
    distribution_id = fields.String(validate=KEY, metadata={
        "description": "optional client-chosen id: repeating the call with it invites nobody twice",
        "example": "lecture_2026_11"})


class DistributionOut(Schema):
    distribution_id = fields.String(required=True)
    invited = fields.Integer(required=True, metadata={"description": "invitations created by this call"})
    already_invited = fields.Integer(required=True, metadata={
        "description": "customers this distribution had already invited (a repeated call)"})


class Context(Schema):
    """What an invitation (and its response) follows up."""
    type = fields.String(validate=validate.OneOf(CONTEXT_TYPES))
    id = fields.String(metadata={"description": "the distribution, visit, activity or complaint id"})


class InvitationOut(Schema):
    id = fields.String(required=True, metadata={
        "description": "<distribution_id>:<customer_id>, or the trigger event's id for a follow-up"})
    version = fields.Integer(required=True)
    survey_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    kind = fields.String(validate=validate.OneOf(("distribution", "follow_up")))
    context = fields.Nested(Context)
    status = fields.String(required=True, validate=validate.OneOf(("invited", "responded")))
    response_id = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class InvitationQuery(Query):
    customer_id = fields.String()
    survey_id = fields.String()
    status = fields.String(validate=validate.OneOf(("invited", "responded")))
    context_id = fields.String(metadata={"description": "the distribution, visit, activity or complaint id"})


class InvitationPage(Schema):
    items = fields.List(fields.Nested(InvitationOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "pass as ?cursor= for the next page; null on the last"})


class ResponseIn(Schema):
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANSWER_DOC),
                          required=True, metadata={"description": "question key → answer",
                                                   "example": ANSWERS_EXAMPLE})


class ResponseOut(Schema):
    id = fields.String(required=True, metadata={"description": "the invitation id (one response per invitation)"})
    invitation_id = fields.String(required=True)
    survey_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    context = fields.Nested(Context)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANSWER_DOC),
                          required=True, metadata={"example": ANSWERS_EXAMPLE})
    csat = fields.Integer(allow_none=True, metadata={"description": "the first rating answer (1–5)"})
    nps = fields.Integer(allow_none=True, metadata={"description": "the first NPS answer (0–10)"})
    responded_at = fields.DateTime(required=True)


# --- figures and composed views ---------------------------------------------------------
class RangeQuery(Schema):
    manager_ids = fields.String(metadata={"description": "comma-separated; default: all the caller sees"})
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError({"to": ["must not be before from"]})


class SatisfactionQuery(RangeQuery):
    by = fields.String(load_default="month", validate=validate.OneOf(("month", "manager", "tier", "survey")))


class WorklistQuery(Schema):
    manager_id = fields.String(required=True)
    date = fields.Date(required=True)


class ComplaintBrief(Schema):
    """A complaint as the composed views list it."""
    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(required=True, allow_none=True)
    assignee_id = fields.String(required=True, allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(rules.SEVERITIES))
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES))
    summary = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(rules.STATUSES))
    cycle = fields.Integer(required=True, allow_none=True)
    response_due = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "null once the complaint was taken in hand in an earlier cycle"})
    resolution_due = fields.DateTime(required=True, allow_none=True)
    sla_state = fields.String(required=True, validate=validate.OneOf(SLA_STATES))
    escalation_level = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True, allow_none=True)


class LatestSatisfaction(Schema):
    """A customer's latest satisfaction, from their newest survey response."""
    level = fields.String(required=True, allow_none=True, validate=validate.OneOf(SATISFACTION_LEVELS), metadata={
        "description": "from the headline rating (4–5 satisfied, 3 neutral), else from NPS (9–10, 7–8)"})
    csat = fields.Integer(required=True, allow_none=True, metadata={"description": "rating 1–5"})
    nps = fields.Integer(required=True, allow_none=True, metadata={"description": "score 0–10"})
    survey_id = fields.String(required=True, allow_none=True)
    response_id = fields.String(required=True, allow_none=True)
    measured_at = fields.DateTime(required=True, allow_none=True)


class CustomerSummary(Schema):
    customer_id = fields.String(required=True)
    open_complaints = fields.List(fields.Nested(ComplaintBrief), required=True,
                                  metadata={"description": "complaints not closed, newest first"})
    latest_satisfaction = fields.Nested(LatestSatisfaction, required=True, allow_none=True,
                                        metadata={"description": "null: the customer never answered a survey"})


class FollowUpContext(Schema):
    type = fields.String(required=True, metadata={"description": "visit | activity | complaint"})
    id = fields.String(required=True)


class FollowUpSurveyDue(Schema):
    """A follow-up survey (回访) the system sent that the customer has not answered."""
    invitation_id = fields.String(required=True)
    survey_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    context = fields.Nested(FollowUpContext, required=True, allow_none=True,
                            metadata={"description": "what it follows up"})
    invited_at = fields.DateTime(required=True)


class FeedbackWorklist(Schema):
    manager_id = fields.String(required=True)
    date = fields.Date(required=True)
    complaints_near_breach = fields.List(fields.Nested(ComplaintBrief), required=True,
                                         metadata={"description": "soonest resolution deadline first"})
    complaints_breached = fields.List(fields.Nested(ComplaintBrief), required=True,
                                      metadata={"description": "soonest resolution deadline first"})
    follow_up_surveys = fields.List(fields.Nested(FollowUpSurveyDue), required=True, metadata={
        "description": "follow-up survey invitations (回访) not answered yet, made in the last 30 days, oldest first"})


class SatisfactionFigures(Schema):
    """CSAT and NPS over a set of survey responses; null figures: no answers (never 0)."""
    responses = fields.Integer(required=True)
    csat = fields.Float(required=True, allow_none=True, metadata={"description": "share of 4–5 ratings, 0..1",
                                                                  "example": 0.8125})
    csat_mean = fields.Float(required=True, allow_none=True, metadata={"description": "mean rating, 1..5"})
    nps = fields.Float(required=True, allow_none=True, metadata={
        "description": "% promoters (9–10) − % detractors (0–6), −100..100", "example": 37.5})
    csat_n = fields.Integer(required=True, metadata={"description": "responses with a rating"})
    nps_n = fields.Integer(required=True, metadata={"description": "responses with an NPS score"})


class SatisfactionRow(SatisfactionFigures):
    key = fields.String(required=True, allow_none=True, metadata={
        "description": "the month (YYYY-MM), manager id, tier or survey id; null: responses without one"})


class SatisfactionReport(Schema):
    by = fields.String(required=True, validate=validate.OneOf(("month", "manager", "tier", "survey")))
    overall = fields.Nested(SatisfactionFigures, required=True)
    rows = fields.List(fields.Nested(SatisfactionRow), required=True)


class SatisfactionTrendPoint(Schema):
    period = fields.String(required=True, metadata={"example": "2026-11"})
    csat = fields.Float(required=True, allow_none=True)
    nps = fields.Float(required=True, allow_none=True)
    responses = fields.Integer(required=True)
    csat_mean = fields.Float(required=True, allow_none=True)


class SlaFigures(Schema):
    open = fields.Integer(required=True, metadata={"description": "open complaints now"})
    breached = fields.Integer(required=True, metadata={"description": "open complaints past their resolution deadline"})
    resolved = fields.Integer(required=True, metadata={"description": "complaints resolved in the range"})
    resolved_within_sla = fields.Integer(required=True)
    within_sla_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "resolved_within_sla / resolved, 0..1; null when none was resolved"})


class ComplaintSla(Schema):
    open = fields.Integer(required=True)
    breached = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    within_sla_rate = fields.Float(required=True, allow_none=True)
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(SlaFigures), required=True, metadata={
        "description": "manager id (\"unassigned\": complaints without a manager) → figures"})


class ManagerFigures(Schema):
    csat = fields.Float(required=True, allow_none=True)
    nps = fields.Float(required=True, allow_none=True)
    responses = fields.Integer(required=True)
    complaints_open = fields.Integer(required=True)
    complaints_breached = fields.Integer(required=True)
    within_sla_rate = fields.Float(required=True, allow_none=True)


class FeedbackStats(Schema):
    complaint_sla = fields.Nested(ComplaintSla, required=True)
    satisfaction = fields.Nested(SatisfactionFigures, required=True, metadata={"description": "answers in the range"})
    satisfaction_trend = fields.List(fields.Nested(SatisfactionTrendPoint), required=True,
                                     metadata={"description": "by month, oldest first"})
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ManagerFigures), required=True,
                              metadata={"description": "manager id → figures"})
