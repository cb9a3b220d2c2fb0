"""/api/v1/risk: questionnaire, assessments, expiring assessments, suitability."""
from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from chassis import clock, identity
from chassis.openapi import problems

from .. import corporate, corporate_risk, queries, risk, service
from ..schemas import ExpiringQuery, RiskIn, SuitabilityQuery

blp = Blueprint("risk", __name__, url_prefix="/api/v1/risk", description="Risk assessment and suitability")


class AssessmentOut(Schema):
    customer_id = fields.String()
    version = fields.Integer(metadata={"description": "the customer's version this assessment made"})
    level = fields.String(allow_none=True, validate=validate.OneOf(risk.LEVELS))
    score = fields.Integer(allow_none=True, metadata={"description": "points out of 100"})
    answers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "question id → option chosen", "example": {"age": "b", "income": "c"}})
    assessed_at = fields.DateTime(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    assessed_by = fields.String(allow_none=True, metadata={"description": "user id (the list only)"})


class Option(Schema):
    value = fields.String(metadata={"example": "b"})
    label = fields.String(metadata={"example": "30-45"})
    points = fields.Integer(metadata={"example": 10})


class Question(Schema):
    id = fields.String(metadata={"example": "age"})
    question = fields.String(metadata={"example": "Your age"})
    options = fields.List(fields.Nested(Option))


class Band(Schema):
    min_score = fields.Integer(metadata={"description": "inclusive lower bound of the band", "example": 41})
    level = fields.String(validate=validate.OneOf(risk.LEVELS), metadata={"example": "C3"})


class Cap(Schema):
    question = fields.String(metadata={"example": "loss_tolerance"})
    option = fields.String(metadata={"example": "a"})
    max_level = fields.String(validate=validate.OneOf(risk.LEVELS), metadata={"example": "C1"})


class QuestionnaireOut(Schema):
    questions = fields.List(fields.Nested(Question))
    bands = fields.List(fields.Nested(Band), metadata={"description": "score → level, lowest first"})
    caps = fields.List(fields.Nested(Cap), metadata={"description": "answers that cap the level whatever the score"})


class ExpiringRow(Schema):
    customer_id = fields.String()
    name = fields.String()
    manager_id = fields.String(allow_none=True)
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(risk.LEVELS))
    valid_until = fields.Date()
    expired = fields.Boolean(metadata={"description": "valid until a day before today"})


class ExpiringOut(Schema):
    items = fields.List(fields.Nested(ExpiringRow), metadata={"description": "soonest first, at most `limit`"})


class SuitabilityOut(Schema):
    customer_id = fields.String()
    product_risk = fields.String(validate=validate.OneOf(risk.PRODUCT_LEVELS))
    customer_level = fields.String(allow_none=True, validate=validate.OneOf(risk.LEVELS),
                                   metadata={"description": "null: never assessed"})
    assessment_valid = fields.Boolean()
    valid_until = fields.Date(allow_none=True)
    suitable = fields.Boolean()
    reason = fields.String(metadata={"example": "customer level C2 is below product level R3"})


def _assessment(c) -> dict:
    return {"customer_id": c.id, "version": c.version, "level": c.risk_level, "score": c.risk_score,
            "answers": dict(c.risk_answers or {}), "assessed_at": c.risk_assessed_at,
            "valid_until": service.as_date(c.risk_valid_until)}


ANSWERS_EXAMPLE = {"customer_id": "3f2b…", "answers": {
    "age": "b", "income": "c", "investable_share": "b", "experience": "c", "knowledge": "b", "horizon": "c",
    "goal": "c", "loss_tolerance": "b", "reaction": "c", "debt": "c"}}


@blp.route("/questionnaire")
class Questionnaire(MethodView):
    @blp.response(200, QuestionnaireOut)
    def get(self):
        """The risk questionnaire

        The questions with their options and points, the score bands (C1–C5) and the
        answers that cap the level whatever the score. docs/risk-questionnaire.md explains
        them. Submit the answers to POST /risk/assessments.
        """
        identity.current()
        return {"questions": risk.questionnaire(),
                "bands": [{"min_score": lo, "level": lvl} for lo, lvl in risk.BANDS],
                "caps": [{"question": q, "option": o, "max_level": lvl} for (q, o), lvl in risk.CAPS.items()]}


@blp.route("/assessments")
class Assessments(MethodView):
    @blp.arguments(RiskIn, example=ANSWERS_EXAMPLE)
    @blp.response(201, AssessmentOut)
    @problems(blp, 404, 412)
    def post(self, data):
        """Score a completed questionnaire

        Every question answered with one of its options (422 names each question under
        `answers`). The level (C1–C5) is valid CRM_RISK_VALIDITY_MONTHS; the answers and
        score are kept in the customer's history. 404: no such customer for the caller;
        412: concurrent changes to the customer kept winning (retry).
        """
        c = service.assess_risk(data["customer_id"], data["answers"], identity.current())
        return _assessment(c), 201

    @blp.arguments(Schema.from_dict({"customer_id": fields.String(required=True)})(), location="query", unknown=RAISE)
    @blp.response(200, AssessmentOut(many=True))
    @problems(blp, 404)
    def get(self, q):
        """A customer's risk assessments

        Every assessment, newest first, from the change history: answers, score, level,
        validity and who assessed. 404: no such customer for the caller.
        """
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
    @blp.response(200, ExpiringOut)
    @problems(blp, 404)
    def get(self, q):
        """Risk assessments expiring soon

        Active customers the caller may see (of `manager_id` when given) whose assessment
        is valid until at most today + `within_days`; with `include_expired`, those already
        expired too. Soonest first, at most `limit`. 404: a manager outside the caller's
        reach.
        """
        who = identity.current()
        today = clock.today()
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
                           "valid_until": service.as_date(r["risk_valid_until"]),
                           "expired": service.as_date(r["risk_valid_until"]) < today} for r in rows]}


@blp.route("/suitability")
class Suitability(MethodView):
    @blp.arguments(SuitabilityQuery, location="query", unknown=RAISE)
    @blp.response(200, SuitabilityOut)
    @problems(blp, 404)
    def get(self, q):
        """May a product of a given risk level be offered to this customer (适当性)?

        `suitable` only when the customer has a risk assessment still valid today and its
        level is at least the product's (C3 covers R1–R3); `reason` says why or why not.
        404: no such customer for the caller.
        """
        who = identity.current()
        c = service.store.require(q["customer_id"], "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        until = service.as_date(c.risk_valid_until)
        valid = bool(c.risk_level and until and until >= clock.today())
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
                "assessment_valid": valid, "valid_until": until,
                "suitable": ok, "reason": reason}


# -- corporate customers: their own risk and credit assessment ------------------------------
class CorporateQuestion(Question):
    part = fields.String(validate=validate.OneOf(("risk", "credit")), metadata={
        "description": "risk questions give the level C1–C5, credit questions the grade A–D"})


class Grade(Schema):
    min_score = fields.Integer(metadata={"example": 65})
    grade = fields.String(validate=validate.OneOf(("A", "B", "C", "D")), metadata={"example": "B"})


class CorporateQuestionnaireOut(Schema):
    questions = fields.List(fields.Nested(CorporateQuestion))
    bands = fields.List(fields.Nested(Band), metadata={"description": "risk points → level, lowest first"})
    grades = fields.List(fields.Nested(Grade), metadata={"description": "credit points → grade, lowest first"})
    caps = fields.List(fields.Nested(Cap))


class CorporateRiskIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(1, 100))
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "question id → option, for every question of GET /risk/corporate-questionnaire"})


class CorporateAssessmentOut(AssessmentOut):
    credit_grade = fields.String(allow_none=True, validate=validate.OneOf(("A", "B", "C", "D")))
    credit_score = fields.Integer(allow_none=True, metadata={"description": "credit points out of 100"})


@blp.route("/corporate-questionnaire")
class CorporateQuestionnaire(MethodView):
    @blp.response(200, CorporateQuestionnaireOut)
    def get(self):
        """The corporate risk and credit questionnaire

        For corporate customers, instead of the individual one (age and household income do
        not describe a company): risk questions give the level C1–C5 used for suitability,
        credit questions a grade A–D. Submit to POST /risk/corporate-assessments.
        """
        identity.current()
        return {"questions": corporate_risk.questionnaire(),
                "bands": [{"min_score": lo, "level": lvl} for lo, lvl in risk.BANDS],
                "grades": [{"min_score": lo, "grade": g} for lo, g in corporate_risk.GRADES],
                "caps": [{"question": q, "option": o, "max_level": lvl}
                         for (q, o), lvl in corporate_risk.CAPS.items()]}


@blp.route("/corporate-assessments")
class CorporateAssessments(MethodView):
    @blp.arguments(CorporateRiskIn, example={"customer_id": "3f2b…", "answers": {
        "years_in_business": "c", "revenue": "b", "debt_ratio": "c", "overdue_history": "c",
        "treasury_experience": "b", "purpose": "c", "loss_tolerance": "b", "approval": "c"}})
    @blp.response(201, CorporateAssessmentOut)
    @problems(blp, 403, 404, 412)
    def post(self, data):
        """Assess a corporate customer's risk and credit

        Every question answered with one of its options (422 names each under `answers`);
        422 for an individual customer (they take POST /risk/assessments, which in turn
        refuses corporate customers). The level is valid CRM_RISK_VALIDITY_MONTHS. 404: no
        such customer for the caller.
        """
        c = corporate.assess(data["customer_id"], data["answers"], identity.current())
        return {**_assessment(c), "credit_grade": c.credit_grade, "credit_score": c.credit_score}, 201
