"""marshmallow schemas: validation in, serialisation out."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import PageQuery

from . import rules

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="lower-case letters, digits and _ (no dots).")


Query = PageQuery  # list queries below add their filters to the shared paging fields


# --- feedback -------------------------------------------------------------------------
class FeedbackIn(Schema):
    customer_id = fields.String(validate=validate.Length(1, 100))
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES))
    content = fields.String(required=True, validate=validate.Length(1, 4000))


class FeedbackOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True)
    channel = fields.String()
    category = fields.String()
    content = fields.String()
    recorded_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class FeedbackQuery(Query):
    customer_id = fields.String()
    category = fields.String(validate=validate.OneOf(rules.CATEGORIES))
    channel = fields.String(validate=validate.OneOf(rules.CHANNELS))


class FeedbackPage(Schema):
    items = fields.List(fields.Nested(FeedbackOut))
    next_cursor = fields.String(allow_none=True)


# --- complaints -----------------------------------------------------------------------
class ComplaintIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(1, 100))
    severity = fields.String(required=True, validate=validate.OneOf(rules.SEVERITIES))
    category = fields.String(required=True, validate=validate.OneOf(rules.CATEGORIES))
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    summary = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(0, 4000))


class ComplaintOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    severity = fields.String()
    category = fields.String()
    channel = fields.String()
    summary = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String()
    allowed_actions = fields.List(fields.String())
    assignee_id = fields.String(allow_none=True)
    cycle = fields.Integer()
    cycle_started_at = fields.DateTime(allow_none=True)
    response_due = fields.DateTime(allow_none=True)
    resolution_due = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    sla_state = fields.String()
    outcome = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolved_within_sla = fields.Boolean(allow_none=True)
    confirmation = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    escalation_level = fields.Integer()
    escalations = fields.List(fields.String())
    last_note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ComplaintQuery(Query):
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    customer_id = fields.String()
    manager_id = fields.String()


class ComplaintPage(Schema):
    items = fields.List(fields.Nested(ComplaintOut))
    next_cursor = fields.String(allow_none=True)


class AssignIn(Schema):
    assignee_id = fields.String(required=True, validate=validate.Length(1, 100))
    note = fields.String(validate=validate.Length(0, 2000))


class NoteIn(Schema):
    note = fields.String(validate=validate.Length(0, 2000))


class ResolveIn(Schema):
    outcome = fields.String(required=True, validate=validate.Length(1, 4000))
    note = fields.String(validate=validate.Length(0, 2000))


class ConfirmIn(Schema):
    confirmed = fields.Boolean(required=True, metadata={"description": "the customer accepts the resolution"})
    note = fields.String(validate=validate.Length(0, 2000))


class ReopenIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class HistoryEntry(Schema):
    version = fields.Integer()
    recorded_at = fields.DateTime()
    actor = fields.Dict()
    reason = fields.String(allow_none=True)
    diff = fields.List(fields.Dict())


# --- settings -------------------------------------------------------------------------
class SlaCell(Schema):
    response_hours = fields.Integer(required=True, validate=validate.Range(1, 24 * 90))
    resolution_hours = fields.Integer(required=True, validate=validate.Range(1, 24 * 365))


class SlaPolicy(Schema):
    table = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Nested(SlaCell)),
                        required=True)
    near_fraction = fields.Float(required=True, validate=validate.Range(0.1, 0.99))
    confirm_timeout_hours = fields.Integer(required=True, validate=validate.Range(1, 24 * 60))

    @validates_schema
    def _table(self, data, **kwargs):
        errors = rules.validate_sla_table(data.get("table") or {})
        if errors:
            raise ValidationError(errors)


class SlaPolicyOut(SlaPolicy):
    version = fields.Integer()


class Triggers(Schema):
    visit = fields.String(allow_none=True)
    activity = fields.String(allow_none=True)
    complaint = fields.String(allow_none=True)


class Enabled(Schema):
    visit = fields.Boolean(required=True)
    activity = fields.Boolean(required=True)
    complaint = fields.Boolean(required=True)


class FollowUpPolicy(Schema):
    cap_days = fields.Integer(required=True, validate=validate.Range(1, 366))
    cap_count = fields.Integer(required=True, validate=validate.Range(1, 20))
    triggers = fields.Nested(Triggers, required=True,
                             metadata={"description": "survey id per trigger; null: the built-in follow-up survey"})
    enabled = fields.Nested(Enabled, required=True)


class FollowUpPolicyOut(FollowUpPolicy):
    version = fields.Integer()


# --- surveys --------------------------------------------------------------------------
class QuestionIn(Schema):
    key = fields.String(required=True, validate=KEY)
    type = fields.String(required=True, validate=validate.OneOf(rules.QUESTION_TYPES))
    text = fields.String(required=True, validate=validate.Length(1, 500))
    required = fields.Boolean(load_default=True)
    options = fields.List(fields.String(validate=validate.Length(1, 200)), validate=validate.Length(0, 30))


class SurveyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(0, 2000))
    questions = fields.List(fields.Nested(QuestionIn), required=True, validate=validate.Length(1, 50))

    @validates_schema
    def _questions(self, data, **kwargs):
        errors = rules.validate_template(data.get("questions") or [])
        if errors:
            raise ValidationError(errors)


class SurveyOut(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    questions = fields.List(fields.Dict())
    status = fields.String()
    created_at = fields.DateTime()


class Segment(Schema):
    tiers = fields.List(fields.String(validate=validate.OneOf(rules.TIERS)), load_default=list)
    classes = fields.List(fields.String(), load_default=list)
    tags = fields.List(fields.String(), load_default=list)
    manager_ids = fields.List(fields.String(), load_default=list)


class DistributionIn(Schema):
    segment = fields.Nested(Segment, required=True)
    distribution_id = fields.String(validate=KEY, metadata={
        "description": "optional client-chosen id: repeating the call with it invites nobody twice"})


class DistributionOut(Schema):
    distribution_id = fields.String()
    invited = fields.Integer()
    already_invited = fields.Integer()


class InvitationOut(Schema):
    id = fields.String()
    version = fields.Integer()
    survey_id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    kind = fields.String()
    context = fields.Dict()
    status = fields.String()
    response_id = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class InvitationQuery(Query):
    customer_id = fields.String()
    survey_id = fields.String()
    status = fields.String(validate=validate.OneOf(("invited", "responded")))
    context_id = fields.String()


class InvitationPage(Schema):
    items = fields.List(fields.Nested(InvitationOut))
    next_cursor = fields.String(allow_none=True)


class ResponseIn(Schema):
    answers = fields.Dict(keys=fields.String(), required=True)


class ResponseOut(Schema):
    id = fields.String()
    invitation_id = fields.String()
    survey_id = fields.String()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    context = fields.Dict()
    answers = fields.Dict()
    csat = fields.Integer(allow_none=True)
    nps = fields.Integer(allow_none=True)
    responded_at = fields.DateTime()


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
