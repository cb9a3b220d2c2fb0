"""Composed views (customer 360, worklist, team dashboard) and the merged audit trail.

Each view makes one batch call per service, all at once, each with its own timeout
(upstreams.fan_out); scope is decided here from the caller's identity and checked
again by every service from X-Identity.
"""
from __future__ import annotations

from datetime import timedelta

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis import identity as ident
from chassis.audit import AuditQuery
from chassis.clock import today
from chassis.errors import invalid, not_found
from chassis.openapi import problems

from . import compose, useraudit
from .auth import authenticate
from .upstreams import SERVICES, Call, Outcome, fan_out, segment
from .users import User

blp = Blueprint("views", __name__, url_prefix="/api/v1/views",
                description="Views composed from several services in one call")
audit_blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                      description="The audit trail of every service, merged (auditors, admins)")

MAX_DASHBOARD_DAYS = 366


def upstream(operation: str, pointer: str = "") -> dict:
    """Field metadata: this field holds, verbatim, what ``operation`` answers (at ``pointer``, a
    JSON pointer into its 2xx body). The merged document (gateway/openapi.py) puts that
    operation's own schema here, so a view is documented exactly as the services document
    their parts; the gateway passes the value through untouched (a Dict/Raw field)."""
    return {"x-upstream": {"operation": operation, "pointer": pointer}}


C360_PROFILE = "GET /api/v1/customers/{customer_id}"
C360_ENGAGEMENT = "GET /api/v1/engagement/customers/{customer_id}/summary"
C360_FEEDBACK = "GET /api/v1/feedback/customers/{customer_id}/summary"
C360_PICTURE = "GET /api/v1/customers/{customer_id}/picture"
C360_OPPORTUNITIES = "GET /api/v1/customers/{customer_id}/opportunities"
WORKLIST = {"customer": "GET /api/v1/customers/worklist", "engagement": "GET /api/v1/engagement/worklist",
            "feedback": "GET /api/v1/feedback/worklist", "pipeline": "GET /api/v1/opportunities/worklist"}
STATS = {"customer": "GET /api/v1/customers/stats", "engagement": "GET /api/v1/engagement/stats",
         "feedback": "GET /api/v1/feedback/stats", "pipeline": "GET /api/v1/opportunities/stats"}


def _part(operation: str, name: str, many: bool = True) -> fields.Field:
    """A view field copied from a service's answer; null when that service did not answer."""
    meta = {**upstream(operation, f"/properties/{name}"),
            "description": f"From `{operation}` (`{name}`); null when that part is missing."}
    return fields.List(fields.Raw(), allow_none=True, metadata=meta) if many else \
        fields.Raw(allow_none=True, metadata=meta)


class MissingPartSchema(Schema):
    part = fields.String(required=True, metadata={"description": "the part of the view that did not arrive"})
    service = fields.String(required=True, metadata={"description": "the service that should have answered"})
    reason = fields.String(required=True, allow_none=True,
                           metadata={"description": "timeout | unavailable | error <status>"})
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "the view's fields left null because of it"})


class Customer360ViewSchema(Schema):
    customer_id = fields.String(required=True)
    profile = fields.Dict(allow_none=True, metadata={
        **upstream(C360_PROFILE), "description": f"The profile as `{C360_PROFILE}` answers it (masked as "
                                                 "there); null when the customer service did not answer."})
    tier = _part(C360_PROFILE, "tier", many=False)
    risk_level = _part(C360_PROFILE, "risk_level", many=False)
    risk_valid_until = _part(C360_PROFILE, "risk_valid_until", many=False)
    recent_interactions = _part(C360_ENGAGEMENT, "recent_interactions")
    recent_visits = _part(C360_ENGAGEMENT, "recent_visits")
    upcoming_care = _part(C360_ENGAGEMENT, "upcoming_care")
    account_reminders = _part(C360_ENGAGEMENT, "account_reminders")
    open_complaints = _part(C360_FEEDBACK, "open_complaints")
    latest_satisfaction = _part(C360_FEEDBACK, "latest_satisfaction", many=False)
    financial_picture = fields.Dict(allow_none=True, metadata={
        **upstream(C360_PICTURE), "description": f"As `{C360_PICTURE}` answers it (account references masked); "
                                                 "null when the customer service did not answer."})
    opportunities = fields.List(fields.Raw(), allow_none=True, metadata={
        **upstream(C360_OPPORTUNITIES), "description": f"The customer's opportunities, as `{C360_OPPORTUNITIES}` "
                                                       "answers them; null when the customer service did not answer."})
    missing = fields.List(fields.Nested(MissingPartSchema), required=True)


class WorklistQuery(Schema):
    date = fields.Date(metadata={"description": "the day (default: today in Asia/Shanghai)"})
    manager_id = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "whose worklist (default: the caller's own); supervisors: a team member, "
                       "admins: a manager of their branch"})


class WorklistCountsSchema(Schema):
    """How many entries each list of the worklist holds (lists that are missing are left out)."""
    next_best_actions = fields.Integer()
    greetings_due = fields.Integer()
    contacts_due = fields.Integer()
    contacts_overdue = fields.Integer()
    visits_planned = fields.Integer()
    follow_ups_due = fields.Integer()
    account_reminders = fields.Integer()
    plan_tasks = fields.Integer()
    plan_deviations = fields.Integer()
    escalated_complaints = fields.Integer()
    complaints_near_breach = fields.Integer()
    complaints_breached = fields.Integer()
    follow_up_surveys = fields.Integer()
    risk_expiring = fields.Integer()
    risk_missing = fields.Integer()
    reverification_due = fields.Integer()
    opportunities_open = fields.Integer()
    churn_signals = fields.Integer()


class WorklistViewSchema(Schema):
    manager_id = fields.String(required=True)
    date = fields.String(required=True, metadata={"format": "date"})
    next_best_actions = _part(WORKLIST["engagement"], "next_best_actions")
    greetings_due = _part(WORKLIST["engagement"], "greetings_due")
    contacts_due = _part(WORKLIST["engagement"], "contacts_due")
    contacts_overdue = _part(WORKLIST["engagement"], "contacts_overdue")
    visits_planned = _part(WORKLIST["engagement"], "visits_planned")
    follow_ups_due = _part(WORKLIST["engagement"], "follow_ups_due")
    account_reminders = _part(WORKLIST["engagement"], "account_reminders")
    plan_tasks = _part(WORKLIST["engagement"], "plan_tasks")
    plan_deviations = _part(WORKLIST["engagement"], "plan_deviations")
    escalated_complaints = _part(WORKLIST["engagement"], "escalated_complaints")
    complaints_near_breach = _part(WORKLIST["feedback"], "complaints_near_breach")
    complaints_breached = _part(WORKLIST["feedback"], "complaints_breached")
    follow_up_surveys = _part(WORKLIST["feedback"], "follow_up_surveys")
    risk_expiring = _part(WORKLIST["customer"], "risk_expiring")
    risk_missing = _part(WORKLIST["customer"], "risk_missing")
    reverification_due = _part(WORKLIST["customer"], "reverification_due")
    opportunities_open = _part(WORKLIST["pipeline"], "opportunities_open")
    churn_signals = _part(WORKLIST["pipeline"], "churn_signals")
    counts = fields.Nested(WorklistCountsSchema, required=True)
    missing = fields.List(fields.Nested(MissingPartSchema), required=True)


class DashboardQuery(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "first day (default: 30 days before `to`)"})
    to = fields.Date(metadata={"description": "last day (default: today); at most 366 days after `from`"})
    manager_ids = fields.String(metadata={"description": "comma-separated manager ids: supervisors a subset of "
                                                         "their team, admins managers of their branch "
                                                         "(default: the team / every active manager of the branch)"})

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError("must not be after 'to'", field_name="from")
        if start and end and (end - start).days > MAX_DASHBOARD_DAYS:
            raise ValidationError(f"at most {MAX_DASHBOARD_DAYS} days", field_name="from")


def _per_manager(service: str) -> fields.Field:
    meta = {**upstream(STATS[service], "/properties/per_manager/additionalProperties"),
            "description": f"this manager's figures from `{STATS[service]}`; null when that service did not answer"}
    return fields.Raw(allow_none=True, metadata=meta)


class DashboardManagerSchema(Schema):
    username = fields.String(allow_none=True, required=True)
    customer = _per_manager("customer")
    engagement = _per_manager("engagement")
    feedback = _per_manager("feedback")
    pipeline = _per_manager("pipeline")


class TeamDashboardViewSchema(Schema):
    manager_ids = fields.List(fields.String(), required=True)
    from_ = fields.String(data_key="from", attribute="from", required=True, metadata={"format": "date"})
    to = fields.String(required=True, metadata={"format": "date"})
    tier_distribution = _part(STATS["customer"], "tier_distribution", many=False)
    contact_coverage = _part(STATS["engagement"], "contact_coverage", many=False)
    activities = _part(STATS["engagement"], "activities")
    plans = _part(STATS["engagement"], "plans")
    complaint_sla = _part(STATS["feedback"], "complaint_sla", many=False)
    satisfaction_trend = _part(STATS["feedback"], "satisfaction_trend")
    conversion = _part(STATS["pipeline"], "conversion", many=False)
    retention = _part(STATS["pipeline"], "retention", many=False)
    churn_signals = _part(STATS["pipeline"], "churn_signals", many=False)
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(DashboardManagerSchema), required=True,
                              metadata={"description": "manager id → their figures"})
    missing = fields.List(fields.Nested(MissingPartSchema), required=True)


class AuditActorSchema(Schema):
    user_id = fields.String(required=True, metadata={"description": "a user id, or `system:<process>`"})
    role = fields.String(required=True)


class AuditTrailEntrySchema(Schema):
    at = fields.String(required=True, metadata={"description": "when (ISO 8601)"})
    service = fields.String(required=True, metadata={"description": "customer | engagement | feedback | gateway"})
    action = fields.String(required=True,
                           metadata={"description": "read_unmasked | duplicate_refused | suitability_refused | "
                                                    "create | update"})
    actor = fields.Nested(AuditActorSchema, required=True, allow_none=True)
    purpose = fields.String(allow_none=True, metadata={"description": "the stated purpose of an unmasked read, "
                                                                      "or the reason recorded with a change"})
    customer_id = fields.String(allow_none=True)
    resource = fields.String(required=True)
    resource_id = fields.String(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "the fields read in clear or changed"})
    request_id = fields.String(allow_none=True)


class AuditTrailSchema(Schema):
    items = fields.List(fields.Nested(AuditTrailEntrySchema), required=True)
    missing = fields.List(fields.Nested(MissingPartSchema), required=True)


@blp.route("/customer-360/<customer_id>")
class Customer360View(MethodView):
    @blp.response(200, Customer360ViewSchema)
    def get(self, customer_id):
        """Customer 360: profile, tier, risk, recent interactions and visits, care, complaints, satisfaction

        One call instead of three: the customer service's profile (with tier and risk), the
        engagement service's summary and the feedback service's summary, asked in parallel and
        each field documented as that service documents it. Sensitive fields are masked as in
        `GET /api/v1/customers/{customer_id}`; send `X-Unmask-Purpose` (with the unmask right) to
        see the profile in clear, audited.

        A service that is down or too slow does not fail the view: its fields are null and
        `missing` names the part, the service and the reason. 404 when the customer is not in
        the caller's book (team, branch) — or does not exist.
        """
        who = authenticate()
        cid = segment(customer_id, "customer")
        outcomes = fan_out([
            Call("profile", "customer", f"/api/v1/customers/{cid}"),
            Call("engagement", "engagement", f"/api/v1/engagement/customers/{cid}/summary"),
            Call("feedback", "feedback", f"/api/v1/feedback/customers/{cid}/summary"),
            Call("picture", "customer", f"/api/v1/customers/{cid}/picture"),
            Call("opportunities", "customer", f"/api/v1/customers/{cid}/opportunities"),
        ], who)
        return compose.customer_360(customer_id, outcomes)


def manager_branch(user_id: str) -> str | None:
    """The branch of a manager ("" for none); None when there is no such manager."""
    m = User.objects(id=user_id, role=ident.MANAGER).only("branch").first()
    return None if m is None else (m.branch or "")


def worklist_manager(who: ident.Identity, asked: str | None) -> str:
    """Whose worklist the caller may see: the identity's one rule (own, team, branch)."""
    if not asked or asked == who.user_id:
        return who.user_id
    who.ensure_can_see_manager(asked, manager_branch)
    return asked


@blp.route("/worklist")
class WorklistView(MethodView):
    @blp.arguments(WorklistQuery, location="query")
    @blp.response(200, WorklistViewSchema)
    @problems(blp, 404)
    def get(self, q):
        """A manager's work for a day: next best actions, greetings, contacts, visits, complaints, risk, tasks

        Today's list (Asia/Shanghai) of the caller by default. `next_best_actions` ranks the
        book's customers that have a reason to be worked on (a risk, no recent contact, plan
        tasks) by value × (1 + risk) × (1 + staleness) + task, under the branch's weights,
        each with its score parts and reasons; the other lists are the work itself. Supervisors may ask for a
        manager of their team and admins for a manager of their branch (`manager_id`); any
        other manager is 404. Each list comes from the service that owns it, documented as
        that service documents it; `counts` says how many entries each list holds. A service
        that does not answer leaves its lists null and is named in `missing`.
        """
        who = authenticate()
        manager_id = worklist_manager(who, q.get("manager_id"))
        day = (q.get("date") or today()).isoformat()
        params = {"manager_id": manager_id, "date": day}
        outcomes = fan_out([
            Call("customer", "customer", "/api/v1/customers/worklist", params),
            Call("engagement", "engagement", "/api/v1/engagement/worklist", params),
            Call("feedback", "feedback", "/api/v1/feedback/worklist", params),
            Call("pipeline", "customer", "/api/v1/opportunities/worklist", params),
        ], who)
        return compose.worklist(manager_id, day, outcomes)


def dashboard_managers(who: ident.Identity, asked: str | None) -> list[str]:
    ids = [m for m in dict.fromkeys((asked or "").split(",")) if m.strip()]
    if who.role == ident.SUPERVISOR:
        if not ids:
            return list(who.team)
        if any(m not in who.team for m in ids):
            raise not_found("manager")
        return ids
    # admin: the named managers of their branch, or all of them
    query = {"role": ident.MANAGER}
    if who.branch:
        query["branch"] = who.branch
    if ids:
        if len(ids) > 500:
            raise invalid({"manager_ids": ["At most 500 managers."]})
        found = {u.id for u in User.objects(id__in=ids, **query).only("id")}
        if set(ids) - found:
            raise not_found("manager")
        return ids
    return [u.id for u in User.objects(active=True, **query).only("id").order_by("username")]


@blp.route("/team-dashboard")
class DashboardView(MethodView):
    @blp.arguments(DashboardQuery, location="query")
    @blp.response(200, TeamDashboardViewSchema)
    @problems(blp, 403, 404)
    def get(self, q):
        """Team figures per manager: tiers, contact coverage, complaint SLA, satisfaction, activities, plans

        For supervisors (their team, or the subset named in `manager_ids`) and admins (the
        managers of their branch named in `manager_ids`, or all of its active managers).
        A manager outside that scope is 404. The range is `from`..`to` (default: the last 30
        days, at most 366); figures for the whole scope and, in `per_manager`, for each
        manager, each documented as the owning service documents it. A service that does not
        answer leaves its figures null and is named in `missing`.
        """
        who = authenticate()
        who.ensure_role(ident.SUPERVISOR, ident.ADMIN)
        managers = dashboard_managers(who, q.get("manager_ids"))
        end = q.get("to") or today()
        start = q.get("from_") or (end - timedelta(days=30))
        if start > end:
            raise invalid({"from": ["must not be after 'to'"]})
        names = {u.id: u.username for u in User.objects(id__in=managers).only("id", "username")}
        if managers:
            params = {"manager_ids": ",".join(managers), "from": start.isoformat(), "to": end.isoformat()}
            outcomes = fan_out([
                Call("customer", "customer", "/api/v1/customers/stats", params),
                Call("engagement", "engagement", "/api/v1/engagement/stats", params),
                Call("feedback", "feedback", "/api/v1/feedback/stats", params),
                Call("pipeline", "customer", "/api/v1/opportunities/stats", params),
            ], who)
        else:
            outcomes = {p: Outcome(Call(p, s, ""), 200, _EMPTY_FIGURES)
                        for p, (s, _f) in compose.DASHBOARD_PARTS.items()}
        return compose.team_dashboard(managers, names, start.isoformat(), end.isoformat(), outcomes)


# No managers in scope: nothing to ask anyone, and every figure is empty rather than unknown.
_EMPTY_FIGURES = {"tier_distribution": {}, "contact_coverage": {"overall": None, "per_manager": {}},
                  "activities": [], "complaint_sla": {}, "satisfaction_trend": [], "per_manager": {},
                  "plans": [], "conversion": {}, "retention": {}, "churn_signals": 0}


@audit_blp.route("")
class AuditView(MethodView):
    @audit_blp.arguments(AuditQuery, location="query")
    @audit_blp.response(200, AuditTrailSchema)
    @problems(audit_blp, 403)
    def get(self, q):
        """Who read (unmasked) or changed which customer, and who administered which user — newest first

        For auditors and admins. Asks the three services' audit trails at once and merges
        them with the gateway's own (user administration, service `gateway`, resource
        `user`), newest first, at most `limit` entries. Filter by `customer_id` (leaves the
        user administration out), `actor` (a user id) and `since`/`until` (ISO 8601 times).
        A branch admin sees the records of their branch only. A service that does not answer
        is named in `missing`.
        """
        who = authenticate()
        who.ensure_role(ident.AUDITOR, ident.ADMIN)
        params = {k: request.args[k] for k in ("customer_id", "actor", "since", "until") if k in request.args}
        params["limit"] = q["limit"]
        outcomes = fan_out([Call(s, s, "/api/v1/audit", params) for s in SERVICES], who)
        # The gateway's own part: the administration of users (their change records).
        outcomes["gateway"] = Outcome(Call("gateway", "gateway", ""), 200, useraudit.entries(who, q))
        return compose.audit(outcomes, q["limit"])
