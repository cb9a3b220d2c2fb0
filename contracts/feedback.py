"""Events produced by the feedback service.

None carries free text (complaint descriptions, feedback content, survey comments):
customers write personal details into them, and events are not masked.
"""
from marshmallow import fields

from chassis.events import EventData, event_type

PRODUCER = "feedback"


class ComplaintData(EventData):
    complaint_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    severity = fields.String(required=True, metadata={"description": "low | medium | high | critical"})
    category = fields.String(required=True)
    status = fields.String(required=True)
    cycle = fields.Integer(required=True, metadata={"description": "1, +1 for every reopen"})
    response_due = fields.DateTime(allow_none=True)
    resolution_due = fields.DateTime(allow_none=True)


class ComplaintAssignedData(ComplaintData):
    assignee_id = fields.String(required=True)


class ComplaintEscalatedData(ComplaintData):
    deadline_kind = fields.String(required=True, metadata={"description": "response | resolution"})
    stage = fields.String(required=True, metadata={"description": "near (80% of the window gone) | breached"})
    due = fields.DateTime(required=True)
    escalation_level = fields.Integer(required=True)
    escalated_to = fields.String(required=True, metadata={
        "description": "role the escalation goes to: 'supervisor' (the manager's supervisor)"})
    breach_id = fields.String(required=True, metadata={
        "description": "<complaint>:<deadline_kind>[_near]:<cycle>, unique"})


class ComplaintResolvedData(ComplaintData):
    resolved_within_sla = fields.Boolean(required=True)


class ComplaintClosedData(ComplaintData):
    confirmation = fields.String(required=True, metadata={
        "description": "customer (the customer confirmed) | timeout (no answer within the configured time)"})


class Context(EventData):
    type = fields.String(required=True, metadata={"description": "visit | activity | complaint | distribution"})
    id = fields.String(required=True)


class SurveyRespondedData(EventData):
    response_id = fields.String(required=True)
    invitation_id = fields.String(required=True)
    survey_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    responded_at = fields.DateTime(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "rating (1–5) and NPS (0–10) answers by question key; no free text"})
    csat = fields.Integer(allow_none=True, metadata={"description": "headline rating 1–5"})
    nps = fields.Integer(allow_none=True, metadata={"description": "headline NPS answer 0–10"})
    context = fields.Nested(Context, allow_none=True, metadata={"description": "what the survey follows up"})


class SatisfactionChangedData(EventData):
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    level = fields.String(required=True, metadata={"description": "satisfied | neutral | dissatisfied"})
    previous_level = fields.String(allow_none=True)
    csat = fields.Integer(allow_none=True)
    nps = fields.Integer(allow_none=True)
    response_id = fields.String(required=True)
    measured_at = fields.DateTime(required=True)


class FeedbackData(EventData):
    feedback_id = fields.String(required=True)
    customer_id = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True)
    channel = fields.String(required=True)
    category = fields.String(required=True)


FEEDBACK_RECEIVED = event_type(
    "feedback.feedback.received", 1, PRODUCER,
    "Feedback was recorded from some channel (content stays in the feedback service).",
    FeedbackData)

COMPLAINT_OPENED = event_type(
    "feedback.complaint.opened", 1, PRODUCER,
    "A complaint was opened; carries its SLA deadlines (from severity and tier).", ComplaintData,
    consumers=("engagement",))

COMPLAINT_ASSIGNED = event_type(
    "feedback.complaint.assigned", 1, PRODUCER, "A complaint was assigned to a handler.",
    ComplaintAssignedData, consumers=("engagement",))

COMPLAINT_REOPENED = event_type(
    "feedback.complaint.reopened", 1, PRODUCER,
    "A resolved or closed complaint was reopened (or the customer rejected the resolution); "
    "a new cycle with a fresh resolution deadline starts.", ComplaintData, consumers=("engagement",))

COMPLAINT_ESCALATED = event_type(
    "feedback.complaint.escalated", 1, PRODUCER,
    "A complaint came near or past an SLA deadline and was escalated to the supervisor. "
    "Published exactly once per breach_id, however often or in how many workers the SLA job runs. "
    "Engagement puts it on the supervisor's worklist.",
    ComplaintEscalatedData, consumers=("engagement",))

COMPLAINT_RESOLVED = event_type(
    "feedback.complaint.resolved", 1, PRODUCER,
    "A resolution with its outcome was recorded; the complaint waits for the customer's confirmation.",
    ComplaintResolvedData, consumers=("engagement",))

COMPLAINT_CLOSED = event_type(
    "feedback.complaint.closed", 1, PRODUCER,
    "The customer confirmed the resolution (or the confirmation timed out). Triggers a follow-up survey.",
    ComplaintClosedData, consumers=("engagement", "feedback"))

SURVEY_RESPONDED = event_type(
    "feedback.survey.responded", 1, PRODUCER,
    "A customer answered a survey invitation (one response per invitation). Engagement may use "
    "it for activity evaluation through context {type: activity, id}.",
    SurveyRespondedData, consumers=("feedback", "engagement"))

SATISFACTION_CHANGED = event_type(
    "feedback.satisfaction.changed", 1, PRODUCER,
    "A customer's latest satisfaction level changed (from their newest survey answer).",
    SatisfactionChangedData)


class SurveyInvitedData(EventData):
    invitation_id = fields.String(required=True)
    survey_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    distribution_id = fields.String(required=True)


SURVEY_INVITED = event_type(
    "feedback.survey.invited", 1, PRODUCER,
    "A customer was invited to a survey distribution; engagement sends the invitation with a self-service link.",
    SurveyInvitedData, consumers=("engagement",))
