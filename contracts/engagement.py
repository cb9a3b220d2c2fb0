"""Events produced by the engagement service (interactions, visits, care, gifts, activities).

None carries sensitive data: no mobile, ID or account number, and no free text
(a manager may type anything into a summary, purpose, reason or follow-up action),
only ids, codes, figures and dates.
"""
from marshmallow import fields, validate

from chassis.events import EventData, event_type

PRODUCER = "engagement"


class InteractionData(EventData):
    interaction_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    channel = fields.String(required=True, metadata={
        "description": "counter | phone | sms | email | wechat | qq | social | online_banking | mobile_banking "
                       "| visit"})
    occurred_at = fields.DateTime(required=True)
    follow_up_date = fields.Date(allow_none=True)


INTERACTION_LOGGED = event_type(
    "engagement.interaction.logged", 2, PRODUCER,
    "A manager logged a contact with a customer on some channel (counts as a contact for cadence). "
    "v2: the free-text purpose no longer travels.",
    InteractionData, consumers=("engagement",))


class ContactLapsedData(EventData):
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    lapse_key = fields.String(required=True, metadata={
        "description": "the stale episode: <customer>:<day it started> (the last contact's day, or the day "
                       "engagement began watching a customer never contacted); one event per episode"})
    last_contact_on = fields.Date(allow_none=True, metadata={"description": "null: never contacted"})
    days_without_contact = fields.Integer(required=True)
    threshold_days = fields.Integer(required=True, metadata={"description": "the branch's N (engagement policy)"})
    raised_on = fields.Date(required=True)


CONTACT_LAPSED = event_type(
    "engagement.contact.lapsed", 1, PRODUCER,
    "A customer has had no contact (interaction or visit) for the branch's N days. Once per stale episode: a new "
    "contact ends it, and the next lapse is a new episode. The customer service raises it as a churn signal "
    "(customer.churn.signalled, signal no_contact).",
    ContactLapsedData, consumers=("customer",))


class VisitData(EventData):
    visit_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={
        "description": "planned | in_progress | recorded | completed | cancelled"})
    scheduled_at = fields.DateTime(required=True)
    visited_at = fields.DateTime(allow_none=True)
    next_appointment_at = fields.DateTime(allow_none=True)


VISIT_PLANNED = event_type(
    "engagement.visit.planned", 1, PRODUCER, "A visit was planned (事前).", VisitData)
VISIT_RECORDED = event_type(
    "engagement.visit.recorded", 1, PRODUCER,
    "What happened during a visit was recorded (事中); next_appointment_at is the customer's commitment.",
    VisitData, consumers=("engagement",))
VISIT_CANCELLED = event_type(
    "engagement.visit.cancelled", 1, PRODUCER, "A planned visit was cancelled.", VisitData)


class VisitCompletedData(EventData):
    visit_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    completed_at = fields.DateTime(required=True)
    visited_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(required=True, metadata={"description": "outcome rating 1–5 against the objective"})
    objective_met = fields.Boolean(required=True)


VISIT_COMPLETED = event_type(
    "engagement.visit.completed", 1, PRODUCER,
    "A visit was evaluated (事后) and is complete; the feedback service sends a follow-up survey (回访).",
    VisitCompletedData, consumers=("feedback",))


class GreetingData(EventData):
    greeting_id = fields.String(required=True, metadata={"description": "<occasion>:<year>:<customer_id>"})
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    occasion = fields.String(required=True, metadata={"description": "birthday | holiday_<key> | anniversary_<n>"})
    kind = fields.String(required=True, metadata={"description": "birthday | holiday | anniversary"})
    year = fields.Integer(required=True)
    channel = fields.String(required=True)
    sent_at = fields.DateTime(required=True)


GREETING_SENT = event_type(
    "engagement.greeting.sent", 1, PRODUCER,
    "A care greeting was sent; at most one per customer, occasion and year.", GreetingData,
    consumers=("engagement",))


class GiftIssuedData(EventData):
    issue_id = fields.String(required=True)
    gift_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    cost_cents = fields.Integer(required=True)
    budget_id = fields.String(required=True)
    issued_by = fields.String(required=True)
    issued_at = fields.DateTime(required=True)


GIFT_ISSUED = event_type(
    "engagement.gift.issued", 2, PRODUCER,
    "A gift left stock for a customer and its cost was charged to a branch budget. "
    "v2: the free-text reason no longer travels.", GiftIssuedData)


class ActivityData(EventData):
    activity_id = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    capacity = fields.Integer(required=True)
    status = fields.String(required=True)


ACTIVITY_PLANNED = event_type(
    "engagement.activity.planned", 1, PRODUCER, "A client activity (客户活动) was planned.", ActivityData)


class ActivityChangedData(ActivityData):
    changed_fields = fields.List(fields.String(), required=True, metadata={
        "description": "names of the changed fields (name, type, starts_at, location, capacity, budget_cents, "
                       "cost_per_head_cents, segment), never their values beyond the ones above"})
    invited = fields.Integer(required=True, metadata={"description": "invitations to tell"})


class ActivityCancelledData(ActivityData):
    invited = fields.Integer(required=True, metadata={"description": "invitations to tell"})


ACTIVITY_CHANGED = event_type(
    "engagement.activity.changed", 1, PRODUCER,
    "A planned activity was changed (time, place, capacity, budget, segment); the invitees are to be told. "
    "Carries the activity's figures after the change and which fields changed.", ActivityChangedData)
ACTIVITY_CANCELLED = event_type(
    "engagement.activity.cancelled", 1, PRODUCER,
    "A planned activity was cancelled; answers and attendance are closed and the invitees are to be told "
    "(the reason stays in the engagement service).", ActivityCancelledData)


class InvitationData(EventData):
    invitation_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "invited | accepted | waitlisted | declined"})
    attended = fields.Boolean(load_default=False)


INVITATION_SENT = event_type(
    "engagement.invitation.sent", 1, PRODUCER, "A customer of the target segment was invited to an activity.",
    InvitationData)
INVITATION_ANSWERED = event_type(
    "engagement.invitation.answered", 1, PRODUCER,
    "A customer answered an invitation (RSVP): accepted with a seat, waitlisted, or declined.", InvitationData)
INVITATION_ATTENDED = event_type(
    "engagement.invitation.attended", 1, PRODUCER,
    "A customer's attendance at an activity was recorded (feedback may survey attendees; the customer service "
    "opens an opportunity from it).", InvitationData,
    consumers=("engagement", "feedback", "customer"))


class ActivityEvaluatedData(EventData):
    activity_id = fields.String(required=True)
    invited = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    attended = fields.Integer(required=True)
    attendance_rate = fields.Float(allow_none=True, metadata={"description": "attended / accepted"})
    satisfaction = fields.Float(allow_none=True, metadata={"description": "mean survey score, when any"})


ACTIVITY_EVALUATED = event_type(
    "engagement.activity.evaluated", 1, PRODUCER,
    "An activity was evaluated after it took place (its follow-up actions, free text, stay in the "
    "engagement service).", ActivityEvaluatedData)


# --------------------------------------------------------------------------- maintenance plans (维护方案)
class PlanData(EventData):
    plan_id = fields.String(required=True)
    manager_id = fields.String(required=True, metadata={"description": "the plan's owner (who drafted it)"})
    branch = fields.String(allow_none=True)
    revision = fields.Integer(required=True, metadata={"description": "the plan's version: 1, +1 per revision"})
    status = fields.String(required=True, metadata={"description": "draft | submitted | approved | closed"})
    period_kind = fields.String(required=True, metadata={"description": "month | quarter | year"})
    period_key = fields.String(required=True, metadata={"example": "2026-Q3"})
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, metadata={"description": "first day after the period"})
    approved_by = fields.String(allow_none=True)


PLAN_APPROVED = event_type(
    "engagement.plan.approved", 1, PRODUCER,
    "A supervisor approved a maintenance plan (审批); the engagement worker turns it into tasks for "
    "the period (the plan's name, goals' wording and reasons stay in the service).",
    PlanData, consumers=("engagement",))
PLAN_REVISED = event_type(
    "engagement.plan.revised", 1, PRODUCER,
    "A closed period's suggestions were decided and the plan's next version runs the next period "
    "(优化); the engagement worker makes that period's tasks.",
    PlanData, consumers=("engagement",))


class GoalResultData(EventData):
    key = fields.String(required=True)
    type = fields.String(required=True, metadata={
        "description": "contacts_per_customer | visits_per_customer | greeting_coverage | "
                       "activity_participation | survey_response | csat"})
    target = fields.Float(required=True)
    achieved = fields.Float(allow_none=True)
    met = fields.Boolean(required=True)
    previous = fields.Float(allow_none=True, metadata={"description": "the same customers, previous period"})
    comparison = fields.Float(allow_none=True, metadata={"description": "comparable customers outside the plan"})
    effect = fields.Float(allow_none=True, metadata={
        "description": "change of the plan's customers minus change of the comparison group"})


class PlanEvaluatedData(EventData):
    plan_id = fields.String(required=True)
    manager_id = fields.String(required=True)
    branch = fields.String(allow_none=True)
    revision = fields.Integer(required=True)
    period_key = fields.String(required=True)
    customers = fields.Integer(required=True)
    comparison_customers = fields.Integer(required=True)
    goals = fields.List(fields.Nested(GoalResultData), required=True)


PLAN_EVALUATED = event_type(
    "engagement.plan.evaluated", 1, PRODUCER,
    "A plan's period closed and was evaluated (评估): each goal against its target, the previous "
    "period and a comparison group.", PlanEvaluatedData)


class TaskData(EventData):
    task_id = fields.String(required=True)
    plan_id = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    manager_id = fields.String(required=True, metadata={"description": "the task's owner"})
    kind = fields.String(required=True, metadata={
        "description": "contact | visit | greeting | survey | activity | handed_down"})
    source = fields.String(required=True, metadata={"description": "plan | handed_down"})
    status = fields.String(required=True, metadata={"description": "open | done | cancelled"})
    due_on = fields.Date(required=True)
    assigned_by = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True, metadata={
        "description": "the recorded work (<kind>:<id>) or the user who completed it"})


TASK_HANDED_DOWN = event_type(
    "engagement.task.handed_down", 1, PRODUCER,
    "A supervisor handed a team member a task directly (上级交办); its wording stays in the service.",
    TaskData)
TASK_COMPLETED = event_type(
    "engagement.task.completed", 1, PRODUCER,
    "A plan or handed-down task was completed, by recorded work (no second entry) or by hand.", TaskData)


class ConsentData(EventData):
    consent_id = fields.String(required=True, metadata={"description": "<customer>:<channel>:<purpose>"})
    customer_id = fields.String(required=True)
    channel = fields.String(required=True, metadata={"description": "sms | wechat | email | inapp"})
    category = fields.String(required=True, validate=validate.OneOf(("service", "care", "marketing")),
                             metadata={"description": "what it covers (PIPL purpose): service | care | marketing"})
    status = fields.String(required=True, metadata={"description": "granted | withdrawn"})
    source = fields.String(required=True, metadata={
        "description": "manager | sms_reply | link | customer_form | import"})
    recorded_at = fields.DateTime(required=True)


CONSENT_CHANGED = event_type(
    "engagement.consent.changed", 1, PRODUCER,
    "A customer's consent (PIPL) to be contacted on a channel for a purpose was granted or withdrawn "
    "(the wording stays in the engagement service).", ConsentData)


CAUSES = ("quiet_hours", "retrying", "interrupted", "no_consent", "opted_out", "capped", "no_address", "too_long",
          "provider_error")


class OutreachMessageData(EventData):
    outreach_id = fields.String(required=True, metadata={"description": "the message: <occasion>:<customer>:<channel>"})
    customer_id = fields.String(required=True)
    manager_id = fields.String(allow_none=True)
    channel = fields.String(required=True, metadata={"description": "sms | wechat | email | inapp"})
    category = fields.String(required=True, validate=validate.OneOf(("service", "care", "marketing")),
                             metadata={"description": "PIPL purpose: service | care | marketing"})
    kind = fields.String(required=True, metadata={
        "description": "birthday | anniversary | holiday | activity | survey | maturity"})
    status = fields.String(required=True, metadata={
        "description": "queued | sent | delivered | failed | bounced | uncertain"})
    cause = fields.String(allow_none=True, validate=validate.OneOf(CAUSES), metadata={
        "description": "why it waits or failed, a code: " + ", ".join(CAUSES)})
    at = fields.DateTime(required=True)


OUTREACH_MESSAGE = event_type(
    "engagement.outreach.message", 1, PRODUCER,
    "A message to a customer was queued or changed delivery status (no address, no text).", OutreachMessageData)
