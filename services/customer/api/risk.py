"""/api/v1/risk: questionnaire, assessments, expiring assessments, suitability."""
from __future__ import annotations

from datetime import date, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from chassis import identity

from .. import queries, risk, service
from ..schemas import ExpiringQuery, RiskIn, SuitabilityQuery

blp = Blueprint("risk", __name__, url_prefix="/api/v1/risk", description="Risk assessment and suitability")


class AssessmentOut(Schema):
    customer_id = fields.String()
    version = fields.Integer()
    level = fields.String()
    score = fields.Integer()
    answers = fields.Dict()
    assessed_at = fields.DateTime()
    valid_until = fields.Date()
    assessed_by = fields.String(allow_none=True)


def _assessment(c) -> dict:
    return {"customer_id": c.id, "version": c.version, "level": c.risk_level, "score": c.risk_score,
            "answers": dict(c.risk_answers or {}), "assessed_at": c.risk_assessed_at,
            "valid_until": service.as_date(c.risk_valid_until)}


@blp.route("/questionnaire")
class Questionnaire(MethodView):
    def get(self):
        """The questions, options and points (docs/risk-questionnaire.md explains the bands)."""
        identity.current()
        return {"questions": risk.questionnaire(),
                "bands": [{"min_score": lo, "level": lvl} for lo, lvl in risk.BANDS],
                "caps": [{"question": q, "option": o, "max_level": lvl} for (q, o), lvl in risk.CAPS.items()]}


@blp.route("/assessments")
class Assessments(MethodView):
    @blp.arguments(RiskIn)
    @blp.response(201, AssessmentOut)
    def post(self, data):
        """Score a completed questionnaire: level C1–C5, valid CRM_RISK_VALIDITY_MONTHS."""
        c = service.assess_risk(data["customer_id"], data["answers"], identity.current())
        return _assessment(c), 201

    @blp.arguments(Schema.from_dict({"customer_id": fields.String(required=True)})(), location="query", unknown=RAISE)
    @blp.response(200, AssessmentOut(many=True))
    def get(self, q):
        """A customer's assessments, newest first (from the change history)."""
        who = identity.current()
        c = service.store.require(q["customer_id"], "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        out = []
        for rec in reversed(service.records(c.id)):
            before = next((d for d in rec.get("diff", []) if d["field"] == "risk_assessed_at"), None)
            if before is None:
                continue
            s = rec["state"]
            out.append({"customer_id": c.id, "version": rec["version"], "level": s.get("risk_level"),
                        "score": s.get("risk_score"), "answers": s.get("risk_answers") or {},
                        "assessed_at": s.get("risk_assessed_at"),
                        "valid_until": service.as_date(s.get("risk_valid_until")),
                        "assessed_by": (rec.get("actor") or {}).get("user_id")})
        return out


@blp.route("/expiring")
class Expiring(MethodView):
    @blp.arguments(ExpiringQuery, location="query", unknown=RAISE)
    def get(self, q):
        """Assessments expiring within N days (and, with include_expired, those already expired)."""
        who = identity.current()
        today = date.today()
        rng = {"$lte": service._midnight(today + timedelta(days=q["within_days"]))}
        if not q["include_expired"]:
            rng["$gte"] = service._midnight(today)
        parts = [{"status": "active", "risk_valid_until": {"$ne": None}}, {"risk_valid_until": rng}]
        if q.get("manager_id"):
            who.ensure_can_see_manager(q["manager_id"])
            parts.append({"manager_id": q["manager_id"]})
        vis = queries.visibility(who)
        if vis:
            parts.append(vis)
        rows = service.store.collection.find({"$and": parts}, {"name": 1, "manager_id": 1, "risk_level": 1,
                                                                "risk_valid_until": 1}
                                             ).sort([("risk_valid_until", 1), ("_id", 1)]).limit(q["limit"])
        return {"items": [{"customer_id": r["_id"], "name": r["name"], "manager_id": r.get("manager_id"),
                           "risk_level": r.get("risk_level"),
                           "valid_until": service.as_date(r["risk_valid_until"]).isoformat(),
                           "expired": service.as_date(r["risk_valid_until"]) < today} for r in rows]}


@blp.route("/suitability")
class Suitability(MethodView):
    @blp.arguments(SuitabilityQuery, location="query", unknown=RAISE)
    def get(self, q):
        """May a product of risk level R be offered? Needs level ≥ R and a valid assessment."""
        who = identity.current()
        c = service.store.require(q["customer_id"], "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        until = service.as_date(c.risk_valid_until)
        valid = bool(c.risk_level and until and until >= date.today())
        ok = valid and risk.suitable(c.risk_level, q["product_risk"])
        if not c.risk_level:
            reason = "no risk assessment on file"
        elif not valid:
            reason = "the risk assessment has expired"
        elif not ok:
            reason = f"customer level {c.risk_level} is below product level {q['product_risk']}"
        else:
            reason = f"customer level {c.risk_level} covers product level {q['product_risk']}"
        return {"customer_id": c.id, "product_risk": q["product_risk"], "customer_level": c.risk_level,
                "assessment_valid": valid, "valid_until": until.isoformat() if until else None,
                "suitable": ok, "reason": reason}
