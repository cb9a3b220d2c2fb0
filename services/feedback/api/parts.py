"""What the gateway composes: customer 360 summary, worklist, team dashboard; and the
satisfaction figures (CSAT, NPS) by month, manager, tier or survey."""
from datetime import datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.openapi import problems

from .. import complaints, figures, policies, rules, surveys
from ..schemas import (
    CustomerSummary as CustomerSummaryOut,
    FeedbackStats,
    FeedbackWorklist,
    RangeQuery,
    SatisfactionQuery,
    SatisfactionReport,
    WorklistQuery,
)
from ..scope import customer_for_read
from .complaints import view as complaint_view

blp = Blueprint("feedback-views", __name__, url_prefix="/api/v1/feedback",
                description="Composed-view parts and satisfaction figures")


def _brief(c: dict) -> dict:
    keys = ("id", "customer_id", "manager_id", "assignee_id", "severity", "category", "summary", "status",
            "cycle", "response_due", "resolution_due", "sla_state", "escalation_level", "created_at")
    return {k: c.get(k) for k in keys}


@blp.route("/customers/<customer_id>/summary")
class CustomerSummary(MethodView):
    @blp.response(200, CustomerSummaryOut)
    @problems(blp, 503)
    def get(self, customer_id):
        """Feedback part of the customer 360

        The customer's complaints that are not closed (newest first, each with its SLA
        state now) and their latest satisfaction (null when they never answered a
        survey). Called by the gateway's `GET /api/v1/views/customer-360/{customer_id}`;
        404 when the customer is not known here or not one of the caller's; one registered a
        moment ago is read from the customer service (503 when that service does not answer).
        """
        customer_for_read(customer_id, identity.current())
        now = complaints.now()
        rows = complaints.store.collection.find({"customer_id": customer_id,
                                           "status": {"$ne": rules.CLOSED}}).sort([("created_at", -1)])
        return {"customer_id": customer_id,
                "open_complaints": [_brief(complaint_view(r, now)) for r in rows],
                "latest_satisfaction": surveys.latest_satisfaction(customer_id)}


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(WorklistQuery, location="query")
    @blp.response(200, FeedbackWorklist)
    @problems(blp, 404)
    def get(self, q):
        """Feedback part of a manager's worklist

        The open complaints of the manager's customers, or assigned to them, whose
        resolution deadline is near or past as of `date` at the current time of day
        (UTC), soonest deadline first; and the follow-up survey invitations (回访) the system
        made for the manager's customers (after a visit, a closed complaint, an activity) that
        are not answered yet, made in the 30 days up to `date`, oldest first: the manager
        calls to collect the answer. Called by the gateway's
        `GET /api/v1/views/worklist`; 404 for a manager the caller may not see.
        """
        who = identity.current()
        mid = q["manager_id"]
        who.ensure_can_see_manager(mid)
        now = complaints.now()
        at = datetime.combine(q["date"], now.timetz())
        fraction = float(policies.sla()["near_fraction"])
        near, breached = [], []
        query = {"status": {"$in": list(rules.OPEN_STATUSES)},
                 "$or": [{"manager_id": mid}, {"assignee_id": mid}]}
        for r in complaints.store.collection.find(query).sort([("resolution_due", 1)]):
            state = rules.sla_state(at, complaints._aware(r["cycle_started_at"]),
                                    complaints._aware(r["resolution_due"]),
                                    fraction)
            item = _brief(complaint_view(r, at))
            if state == "breached":
                breached.append(item)
            elif state == "near":
                near.append(item)
        return {"manager_id": mid, "date": q["date"], "complaints_near_breach": near,
                "complaints_breached": breached, "follow_up_surveys": surveys.follow_ups_open(mid, q["date"])}


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(RangeQuery, location="query")
    @blp.response(200, FeedbackStats)
    @problems(blp, 404)
    def get(self, q):
        """Feedback figures for the team dashboard

        For the managers in `manager_ids` (default: every manager the caller sees):
        complaints open and past their deadline now, the share resolved within the SLA
        among those resolved in the range, satisfaction (CSAT, NPS) of the answers in the
        range overall and by month, and the same per manager. Called by the gateway's
        `GET /api/v1/views/team-dashboard`; 404 for a manager the caller may not see.
        """
        who = identity.current()
        managers = _managers(who, q)
        from_, to = q.get("from_"), q.get("to")
        match = {**figures.manager_match(managers), **figures.range_match("responded_at", from_, to)}
        sla = figures.complaint_sla(managers, from_, to, datetime.now(timezone.utc))
        trend = [{"period": r["key"], **{k: r[k] for k in ("csat", "nps", "responses", "csat_mean")}}
                 for r in figures.satisfaction(match, "month") if r["key"]]
        per_manager = {}
        for r in figures.satisfaction(match, "manager"):
            if r["key"] is not None:
                per_manager[r["key"]] = {"csat": r["csat"], "nps": r["nps"], "responses": r["responses"]}
        for mid, s in sla["per_manager"].items():
            per_manager.setdefault(mid, {"csat": None, "nps": None, "responses": 0}).update(
                complaints_open=s["open"], complaints_breached=s["breached"], within_sla_rate=s["within_sla_rate"])
        for mid in managers or ():
            per_manager.setdefault(mid, {"csat": None, "nps": None, "responses": 0})
        for row in per_manager.values():
            # a manager with answers but no complaint has the complaint figures too
            for k, v in (("complaints_open", 0), ("complaints_breached", 0), ("within_sla_rate", None)):
                row.setdefault(k, v)
        return {"complaint_sla": sla, "satisfaction": figures.satisfaction_overall(match),
                "satisfaction_trend": trend, "per_manager": per_manager}


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @blp.arguments(SatisfactionQuery, location="query")
    @blp.response(200, SatisfactionReport)
    @problems(blp, 404)
    def get(self, q):
        """Satisfaction figures

        CSAT (share of 4–5 ratings, 0..1) and NPS (% promoters 9–10 − % detractors 0–6,
        −100..100) of the survey answers in the range, overall and grouped `by` month,
        manager, tier or survey, for the managers in `manager_ids` (default: every
        manager the caller sees). A figure without answers is null, never 0. 404 for a
        manager the caller may not see.
        """
        who = identity.current()
        managers = _managers(who, q)
        match = {**figures.manager_match(managers),
                 **figures.range_match("responded_at", q.get("from_"), q.get("to"))}
        return {"by": q["by"], "overall": figures.satisfaction_overall(match),
                "rows": figures.satisfaction(match, q["by"])}


def _managers(who, q):
    from ..scope import requested_managers
    return requested_managers(who, q.get("manager_ids"))
