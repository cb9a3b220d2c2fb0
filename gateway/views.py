"""Composed views (customer 360, worklist, team dashboard) and the merged audit trail.

Each view makes one batch call per service, all at once, each with its own timeout
(upstreams.fan_out); scope is decided here from the caller's identity and checked
again by every service from X-Identity.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis import identity as ident
from chassis.audit import AuditQuery
from chassis.errors import invalid, not_found

from . import compose, useraudit
from .auth import authenticate
from .upstreams import SERVICES, Call, Outcome, fan_out, segment
from .users import User

blp = Blueprint("views", __name__, url_prefix="/api/v1/views",
                description="Views composed from several services in one call")
audit_blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                      description="The audit trail of every service, merged (auditors, admins)")

BANK_TZ = ZoneInfo("Asia/Shanghai")   # "today" is the branch's day, not UTC's
MAX_DASHBOARD_DAYS = 366


def today() -> date:
    return datetime.now(BANK_TZ).date()


class Missing(Schema):
    part = fields.String()
    service = fields.String()
    reason = fields.String(metadata={"description": "timeout | unavailable | error <status>"})
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")


class Customer360(Schema):
    customer_id = fields.String()
    profile = fields.Dict(allow_none=True)
    tier = fields.String(allow_none=True)
    risk_level = fields.String(allow_none=True)
    risk_valid_until = fields.String(allow_none=True)
    recent_interactions = fields.List(fields.Dict(), allow_none=True)
    recent_visits = fields.List(fields.Dict(), allow_none=True)
    upcoming_care = fields.List(fields.Dict(), allow_none=True)
    open_complaints = fields.List(fields.Dict(), allow_none=True)
    latest_satisfaction = fields.Dict(allow_none=True)
    missing = fields.List(fields.Nested(Missing))


class WorklistQuery(Schema):
    date = fields.Date()
    manager_id = fields.String(validate=validate.Length(1, 100))


class Worklist(Schema):
    manager_id = fields.String()
    date = fields.String()
    greetings_due = fields.List(fields.Dict(), allow_none=True)
    contacts_due = fields.List(fields.Dict(), allow_none=True)
    contacts_overdue = fields.List(fields.Dict(), allow_none=True)
    visits_planned = fields.List(fields.Dict(), allow_none=True)
    account_reminders = fields.List(fields.Dict(), allow_none=True)
    complaints_near_breach = fields.List(fields.Dict(), allow_none=True)
    complaints_breached = fields.List(fields.Dict(), allow_none=True)
    risk_expiring = fields.List(fields.Dict(), allow_none=True)
    reverification_due = fields.List(fields.Dict(), allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    missing = fields.List(fields.Nested(Missing))


class DashboardQuery(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    manager_ids = fields.String(metadata={"description": "comma-separated; admins only (default: the branch's managers)"})

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError("must not be after 'to'", field_name="from")
        if start and end and (end - start).days > MAX_DASHBOARD_DAYS:
            raise ValidationError(f"at most {MAX_DASHBOARD_DAYS} days", field_name="from")


class Dashboard(Schema):
    manager_ids = fields.List(fields.String())
    from_ = fields.String(data_key="from")
    to = fields.String()
    tier_distribution = fields.Dict(allow_none=True)
    contact_coverage = fields.Dict(allow_none=True)
    activities = fields.List(fields.Dict(), allow_none=True)
    complaint_sla = fields.Dict(allow_none=True)
    satisfaction_trend = fields.List(fields.Dict(), allow_none=True)
    per_manager = fields.Dict()
    missing = fields.List(fields.Nested(Missing))


class AuditItem(Schema):
    at = fields.String()
    service = fields.String()
    action = fields.String()
    actor = fields.Dict()
    purpose = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    resource = fields.String()
    resource_id = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    request_id = fields.String(allow_none=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditItem))
    missing = fields.List(fields.Nested(Missing))


@blp.route("/customer-360/<customer_id>")
class Customer360View(MethodView):
    @blp.response(200, Customer360)
    @blp.alt_response(404, description="No such customer for this caller")
    def get(self, customer_id):
        """Customer 360: profile, tier, risk, recent interactions and visits, care, complaints, satisfaction"""
        who = authenticate()
        cid = segment(customer_id, "customer")
        outcomes = fan_out([
            Call("profile", "customer", f"/api/v1/customers/{cid}"),
            Call("engagement", "engagement", f"/api/v1/engagement/customers/{cid}/summary"),
            Call("feedback", "feedback", f"/api/v1/feedback/customers/{cid}/summary"),
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
    @blp.response(200, Worklist)
    def get(self, q):
        """A manager's work for a day: greetings, contacts, visits, complaints, risk, reminders"""
        who = authenticate()
        manager_id = worklist_manager(who, q.get("manager_id"))
        day = (q.get("date") or today()).isoformat()
        params = {"manager_id": manager_id, "date": day}
        outcomes = fan_out([
            Call("customer", "customer", "/api/v1/customers/worklist", params),
            Call("engagement", "engagement", "/api/v1/engagement/worklist", params),
            Call("feedback", "feedback", "/api/v1/feedback/worklist", params),
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
    @blp.response(200, Dashboard)
    def get(self, q):
        """Team figures per manager: tiers, contact coverage, complaint SLA, satisfaction, activities"""
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
            ], who)
        else:
            outcomes = {p: Outcome(Call(p, s, ""), 200, _EMPTY_FIGURES)
                        for p, (s, _f) in compose.DASHBOARD_PARTS.items()}
        return compose.team_dashboard(managers, names, start.isoformat(), end.isoformat(), outcomes)


# No managers in scope: nothing to ask anyone, and every figure is empty rather than unknown.
_EMPTY_FIGURES = {"tier_distribution": {}, "contact_coverage": {"overall": None, "per_manager": {}},
                  "activities": [], "complaint_sla": {}, "satisfaction_trend": [], "per_manager": {}}


@audit_blp.route("")
class AuditView(MethodView):
    @audit_blp.arguments(AuditQuery, location="query")
    @audit_blp.response(200, AuditPage)
    def get(self, q):
        """Who read (unmasked) or changed which customer, and who administered which user — newest first"""
        who = authenticate()
        who.ensure_role(ident.AUDITOR, ident.ADMIN)
        params = {k: request.args[k] for k in ("customer_id", "actor", "since", "until") if k in request.args}
        params["limit"] = q["limit"]
        outcomes = fan_out([Call(s, s, "/api/v1/audit", params) for s in SERVICES], who)
        # The gateway's own part: the administration of users (their change records).
        outcomes["gateway"] = Outcome(Call("gateway", "gateway", ""), 200, useraudit.entries(who, q))
        return compose.audit(outcomes, q["limit"])
