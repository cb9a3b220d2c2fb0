"""What the gateway composes: customer 360 summary, worklist, team dashboard; and the
satisfaction figures (CSAT, NPS) by month, manager, tier or survey."""
from datetime import date, datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from chassis import identity
from chassis.errors import not_found

from .. import complaints as cops
from .. import figures, policies, rules, snapshots, surveys
from ..schemas import RangeQuery, SatisfactionQuery, WorklistQuery
from .complaints import view as complaint_view

blp = Blueprint("feedback-views", __name__, url_prefix="/api/v1/feedback",
                description="Composed-view parts and satisfaction figures")


class Loose(Schema):
    """Composite answers: documented in docs/feedback.md, passed through as built."""
    class Meta:
        unknown = "include"


def _brief(c: dict) -> dict:
    keys = ("id", "customer_id", "manager_id", "assignee_id", "severity", "category", "summary", "status",
            "cycle", "response_due", "resolution_due", "sla_state", "escalation_level", "created_at")
    return {k: c.get(k) for k in keys}


def _iso(v):
    return v.isoformat() if isinstance(v, (datetime, date)) else v


def _json(d):
    if isinstance(d, dict):
        return {k: _json(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_json(v) for v in d]
    return _iso(d)


@blp.route("/customers/<customer_id>/summary")
class CustomerSummary(MethodView):
    @blp.response(200)
    def get(self, customer_id):
        """{"open_complaints": [...], "latest_satisfaction": {...}|null} for the customer 360."""
        who = identity.current()
        snap = snapshots.get(customer_id)
        if snap is None:
            raise not_found("customer")
        who.ensure_can_see(snap.manager_id, snap.branch)
        now = cops.now()
        rows = cops.store.collection.find({"customer_id": customer_id,
                                           "status": {"$ne": rules.CLOSED}}).sort([("created_at", -1)])
        return _json({"customer_id": customer_id,
                      "open_complaints": [_brief(complaint_view(r, now)) for r in rows],
                      "latest_satisfaction": surveys.latest_satisfaction(customer_id)})


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(WorklistQuery, location="query")
    @blp.response(200)
    def get(self, q):
        """Complaints of the manager near or past their resolution deadline, as of that day
        (the current time of day on that date; UTC)."""
        who = identity.current()
        mid = q["manager_id"]
        who.ensure_can_see_manager(mid)
        now = cops.now()
        at = datetime.combine(q["date"], now.timetz())
        fraction = float(policies.sla()["near_fraction"])
        near, breached = [], []
        query = {"status": {"$in": list(rules.OPEN_STATUSES)},
                 "$or": [{"manager_id": mid}, {"assignee_id": mid}]}
        for r in cops.store.collection.find(query).sort([("resolution_due", 1)]):
            state = rules.sla_state(at, cops._aware(r["cycle_started_at"]), cops._aware(r["resolution_due"]),
                                    fraction)
            item = _brief(complaint_view(r, at))
            if state == "breached":
                breached.append(item)
            elif state == "near":
                near.append(item)
        return _json({"manager_id": mid, "date": q["date"], "complaints_near_breach": near,
                      "complaints_breached": breached})


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(RangeQuery, location="query")
    @blp.response(200)
    def get(self, q):
        """Complaint SLA, satisfaction trend (by month) and per-manager figures."""
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
            per_manager.setdefault(mid, {"csat": None, "nps": None, "responses": 0, "complaints_open": 0,
                                         "complaints_breached": 0, "within_sla_rate": None})
        return _json({"complaint_sla": sla, "satisfaction": figures.satisfaction_overall(match),
                      "satisfaction_trend": trend, "per_manager": per_manager})


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @blp.arguments(SatisfactionQuery, location="query")
    @blp.response(200)
    def get(self, q):
        """CSAT (share of 4–5 ratings) and NPS (% promoters − % detractors) grouped ``by``."""
        who = identity.current()
        managers = _managers(who, q)
        match = {**figures.manager_match(managers),
                 **figures.range_match("responded_at", q.get("from_"), q.get("to"))}
        return _json({"by": q["by"], "overall": figures.satisfaction_overall(match),
                      "rows": figures.satisfaction(match, q["by"])})


def _managers(who, q):
    from .common import requested_managers
    return requested_managers(who, q.get("manager_ids"))
