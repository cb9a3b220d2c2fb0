"""/api/v1/opportunities: the pipeline (商机) — open, propose (suitability enforced), accept,
decline, lose; the gateway's worklist part and dashboard figures."""
from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.routing import BaseConverter

from chassis import clock, identity
from chassis.filters import all_of
from chassis.http import etag, if_match_version
from chassis.openapi import CREATED, ETAG, problems
from contracts import financial as fin_events

from .. import figures, opportunities, pipeline, service
from ..schemas import DAY, StatsQuery

blp = Blueprint("opportunities", __name__, url_prefix="/api/v1/opportunities",
                description="Opportunities (商机) from need to sale")


class OpportunityIdConverter(BaseConverter):
    """Any segment but the collection's own sub-resources (as customer ids)."""
    regex = r"(?!(?:worklist|stats)$)[^/]+"


blp.record_once(lambda state: state.app.url_map.converters.setdefault("opportunity_id", OpportunityIdConverter))

OPTIONAL_IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                     "description": "The ETag read; when sent, a stale one is 412"}


class OpportunityOut(Schema):
    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    manager_id = fields.String(allow_none=True)
    source = fields.String(validate=validate.OneOf(fin_events.SOURCES))
    source_ref = fields.String(allow_none=True, metadata={
        "description": "the visit, activity, masked deposit account or churn signal key it came from"})
    stage = fields.String(validate=validate.OneOf(fin_events.STAGES))
    product_code = fields.String(allow_none=True)
    product_type = fields.String(allow_none=True)
    proposed_at = fields.DateTime(allow_none=True)
    win_by = fields.String(allow_none=True, metadata={"format": "date", "description": "won if opened by then"})
    decided_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    won_holding_id = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    expires_on = fields.String(allow_none=True, metadata={"format": "date"})
    note = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    actions = fields.List(fields.String(), metadata={"description": "what a person may do now"})


class OpportunityIn(Schema):
    class Meta:
        unknown = RAISE

    customer_id = fields.String(required=True, validate=validate.Length(1, 100))
    source = fields.String(required=True, validate=validate.OneOf(pipeline.MANUAL_SOURCES), metadata={
        "description": "visit_need | life_event | activity | manual (maturing deposits and churn signals "
                       "open their own)"})
    source_ref = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "the visit or activity id it came from"})
    note = fields.String(validate=validate.Length(1, 2000))


class OpportunityQuery(Schema):
    customer_id = fields.String(validate=validate.Length(1, 100))
    manager_id = fields.String(validate=validate.Length(1, 100))
    stage = fields.String(validate=validate.OneOf(fin_events.STAGES))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class ProposeIn(Schema):
    class Meta:
        unknown = RAISE

    product_code = fields.String(required=True, validate=validate.Length(1, 40))


class DecideIn(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.OneOf(pipeline.DECLINE_REASONS))


class PipelineWorklistQuery(Schema):
    manager_id = fields.String(required=True, validate=validate.Length(1, 100))
    date = fields.Date(load_default=date.today, validate=DAY)


class OpenRow(Schema):
    id = fields.String()
    customer_id = fields.String()
    name = fields.String()
    source = fields.String()
    stage = fields.String()
    product_code = fields.String(allow_none=True)
    expires_on = fields.String(allow_none=True, metadata={"format": "date"})


class SignalRow(Schema):
    signal = fields.String(validate=validate.OneOf(fin_events.SIGNALS))
    key = fields.String()
    raised_on = fields.String(metadata={"format": "date"})


class SignalledRow(Schema):
    customer_id = fields.String()
    name = fields.String()
    tier = fields.String(allow_none=True)
    signals = fields.List(fields.Nested(SignalRow), metadata={"description": "raised in the last 30 days"})


class PipelineWorklistOut(Schema):
    opportunities_open = fields.List(fields.Nested(OpenRow), metadata={
        "description": "identified, proposed or accepted; soonest expiry first, at most 200"})
    churn_signals = fields.List(fields.Nested(SignalledRow), metadata={
        "description": "customers with a churn signal raised in the last 30 days, newest first, at most 200"})


class ConversionRow(Schema):
    opened = fields.Integer()
    proposed = fields.Integer()
    won = fields.Integer()
    declined = fields.Integer()
    lost = fields.Integer()
    expired = fields.Integer()
    open = fields.Integer()
    conversion = fields.Float(allow_none=True, metadata={"description": "won / opened"})


class ConversionFigures(Schema):
    overall = fields.Nested(ConversionRow)
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ConversionRow))
    per_product = fields.Dict(keys=fields.String(), values=fields.Nested(ConversionRow))
    per_source = fields.Dict(keys=fields.String(), values=fields.Nested(ConversionRow))


class RetentionRow(Schema):
    customers_reported = fields.Integer(metadata={"description": "customers with a reported picture"})
    at_risk = fields.Integer(metadata={"description": "of them, with a churn signal raised in the range"})
    retention = fields.Float(allow_none=True, metadata={"description": "1 - at_risk / customers_reported"})


class RetentionFigures(Schema):
    overall = fields.Nested(RetentionRow)
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(RetentionRow))
    per_tier = fields.Dict(keys=fields.String(), values=fields.Nested(RetentionRow))


class ManagerPipeline(Schema):
    conversion = fields.Nested(ConversionRow)
    retention = fields.Nested(RetentionRow)
    churn_signals = fields.Integer()


class PipelineStatsOut(Schema):
    conversion = fields.Nested(ConversionFigures, metadata={"description": "opportunities opened in the range"})
    retention = fields.Nested(RetentionFigures)
    churn_signals = fields.Integer(metadata={"description": "churn signals raised in the range"})
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ManagerPipeline))


def _ok(o, code=200):
    return opportunities.as_dict(o), code, {"ETag": etag(o.version)}


@blp.route("")
class Opportunities(MethodView):
    @blp.arguments(OpportunityQuery, location="query", unknown=RAISE)
    @blp.response(200, OpportunityOut(many=True))
    @problems(blp, 404)
    def get(self, q):
        """Opportunities the caller sees

        Of a customer (`customer_id`; 404 when the caller does not see them), a manager
        (`manager_id`; 404 outside the caller's reach) and/or at a `stage`; newest first.
        """
        who = identity.current()
        parts = [who.scope_filter()]
        if q.get("customer_id"):
            c = service.store.require(q["customer_id"], "customer")
            who.ensure_can_see(c.manager_id, c.branch)
            parts.append({"customer_id": c.id})
        if q.get("manager_id"):
            who.ensure_can_see_manager(q["manager_id"])
            parts.append({"manager_id": q["manager_id"]})
        if q.get("stage"):
            parts.append({"stage": q["stage"]})
        rows = opportunities.opportunities.collection.find(all_of(*parts)).sort(
            [("created_at", -1), ("_id", 1)]).limit(q["limit"])
        return [opportunities.as_dict(opportunities.Opportunity._from_son(r)) for r in rows]

    @blp.arguments(OpportunityIn, example={"customer_id": "3f2b…", "source": "visit_need", "note": "子女教育金"})
    @blp.response(201, OpportunityOut, headers=CREATED)
    @problems(blp, 403, 404)
    def post(self, data):
        """Open an opportunity by hand

        From a need found in a visit, a life event, an activity attended, or just by hand.
        Maturing deposits and churn signals open their own from core banking. 404: no such
        customer for the caller; 403: auditors only read.
        """
        o = opportunities.open_by_hand(data, identity.current(), clock.today())
        body, code, headers = _ok(o, 201)
        return body, code, {**headers, "Location": f"/api/v1/opportunities/{o.id}"}


customer_blp = Blueprint("customer_opportunities", __name__, url_prefix="/api/v1/customers",
                         description="A customer's opportunities (the customer 360's part)")


@customer_blp.route("/<customer_id>/opportunities")
class CustomerOpportunities(MethodView):
    @customer_blp.response(200, OpportunityOut(many=True))
    def get(self, customer_id):
        """A customer's opportunities

        Every stage, newest first (at most 200): what the customer 360 shows. 404: no such
        customer for the caller.
        """
        who = identity.current()
        c = service.store.require(customer_id, "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        rows = opportunities.opportunities.collection.find({"customer_id": c.id}).sort(
            [("created_at", -1), ("_id", 1)]).limit(200)
        return [opportunities.as_dict(opportunities.Opportunity._from_son(r)) for r in rows]


@blp.route("/<opportunity_id:opp_id>")
class OpportunityItem(MethodView):
    @blp.response(200, OpportunityOut, headers=ETAG)
    def get(self, opp_id):
        """An opportunity

        Its stage, source, product, window and the `actions` a person may take now. 404 when
        its customer is not in the caller's book.
        """
        return _ok(opportunities.visible(opp_id, identity.current()))


@blp.route("/<opportunity_id:opp_id>/propose")
class Propose(MethodView):
    @blp.arguments(ProposeIn, example={"product_code": "WM-R2-180"})
    @blp.response(200, OpportunityOut, headers=ETAG)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @problems(blp, 403, 409, 412)
    def post(self, data, opp_id):
        """Propose a product (适当性 enforced)

        Only a product the customer may be offered: a product with a risk level needs a risk
        assessment valid today whose level covers it. Otherwise 409 `unsuitable`, saying why
        (`suitability`: no_assessment | assessment_expired | level_too_low | retired, and
        `reason`), and the attempt is written to the audit trail. Proposing starts the window
        in which opening the product wins the opportunity. 409 also when the stage does not
        allow it; 422 unknown product.
        """
        o = opportunities.propose(opp_id, if_match_version(required=False), data["product_code"],
                                  identity.current(), clock.today())
        return _ok(o)


@blp.route("/<opportunity_id:opp_id>/accept")
class Accept(MethodView):
    @blp.arguments(Schema.from_dict({})(), required=False)
    @blp.response(200, OpportunityOut, headers=ETAG)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @problems(blp, 403, 409, 412)
    def post(self, data, opp_id):
        """The customer accepted the proposal

        It is won once core banking reports the product opened within the window. 409 when
        the stage does not allow it (only a proposed opportunity is accepted).
        """
        return _ok(opportunities.decide(opp_id, if_match_version(required=False), "accept", identity.current()))


@blp.route("/<opportunity_id:opp_id>/decline")
class Decline(MethodView):
    @blp.arguments(DecideIn, example={"reason": "timing"})
    @blp.response(200, OpportunityOut, headers=ETAG)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @problems(blp, 403, 409, 412)
    def post(self, data, opp_id):
        """The customer declined

        With a reason code (not_interested, price, timing, competitor, insufficient_funds,
        other). 409 when the stage does not allow it.
        """
        return _ok(opportunities.decide(opp_id, if_match_version(required=False), "decline", identity.current(),
                                        data["reason"]))


@blp.route("/<opportunity_id:opp_id>/lose")
class Lose(MethodView):
    @blp.arguments(DecideIn, example={"reason": "competitor"})
    @blp.response(200, OpportunityOut, headers=ETAG)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @problems(blp, 403, 409, 412)
    def post(self, data, opp_id):
        """Close an open opportunity as lost

        With a reason code, as for a decline. 409 when it is already closed.
        """
        return _ok(opportunities.decide(opp_id, if_match_version(required=False), "lose", identity.current(),
                                        data["reason"]))


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(PipelineWorklistQuery, location="query", unknown=RAISE)
    @blp.response(200, PipelineWorklistOut)
    @problems(blp, 404)
    def get(self, q):
        """A manager's pipeline for the worklist: open opportunities and churn signals

        The gateway merges it into GET /api/v1/views/worklist. 404: a manager outside the
        caller's reach.
        """
        who = identity.current()
        who.ensure_can_see_manager(q["manager_id"])
        return figures.worklist(who, q["manager_id"], q["date"])


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(StatsQuery, location="query", unknown=RAISE)
    @blp.response(200, PipelineStatsOut)
    @problems(blp, 404)
    def get(self, q):
        """ConversionRow and retention figures for the team dashboard

        Over the customers and opportunities the caller sees (of `manager_ids` when given):
        conversion of opportunities opened in [`from`, `to`] per manager, product and source;
        retention (customers with a reported picture and no churn signal raised in the range)
        per manager and per tier. The gateway merges them into the team dashboard. 404: a
        manager outside the caller's reach.
        """
        who = identity.current()
        ids = [m for m in (q.get("manager_ids") or "").split(",") if m]
        for m in ids:
            who.ensure_can_see_manager(m)
        return figures.stats(who, ids, q.get("from_"), q.get("to"))

