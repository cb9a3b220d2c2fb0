"""/api/v1/customers/{id}/picture and /api/v1/financial/policy: the financial picture from
core banking (客户财务状况) and the branch's policy for it (churn, contribution, win window)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from chassis import clock, identity, privacy
from chassis.http import etag, if_match_version
from chassis.openapi import IF_MATCH, problems
from contracts import core_banking as core, financial as fin_events

from .. import picture

blp = Blueprint("pictures", __name__, url_prefix="/api/v1/customers",
                description="The financial picture from core banking")
policy_blp = Blueprint("financial", __name__, url_prefix="/api/v1/financial",
                       description="The branch's financial policy: churn signals, contribution, win window")


class Reported(Schema):
    aum_cents = fields.Integer(metadata={"description": "assets under management, integer cents"})
    deposits_cents = fields.Integer(allow_none=True)
    loans_cents = fields.Integer(allow_none=True)
    as_of = fields.String(metadata={"format": "date"})


class Declared(Schema):
    aum_cents = fields.Integer(allow_none=True, metadata={"description": "typed in by staff (financial.aum_cents)"})
    annual_income_cents = fields.Integer(allow_none=True)


class HoldingOut(Schema):
    holding_id = fields.String()
    product_code = fields.String()
    product_type = fields.String(validate=validate.OneOf(core.PRODUCT_TYPES))
    account_ref = fields.String(metadata={"description": "masked account tail"})
    balance_cents = fields.Integer()
    opened_on = fields.String(allow_none=True, metadata={"format": "date"})
    maturity_date = fields.String(allow_none=True, metadata={"format": "date"})
    closed_on = fields.String(allow_none=True, metadata={"format": "date"})
    status = fields.String(validate=validate.OneOf(("open", "closed")))
    as_of = fields.String(metadata={"format": "date"})


class MonthOut(Schema):
    month = fields.String(metadata={"example": "2026-05"})
    aum_cents = fields.Integer(allow_none=True, metadata={"description": "the month's last reported AUM"})
    transaction_count = fields.Integer(allow_none=True)
    amount_band = fields.String(allow_none=True, validate=validate.OneOf(core.BANDS))
    channels = fields.List(fields.String())


class SignalOut(Schema):
    signal = fields.String(validate=validate.OneOf(fin_events.SIGNALS))
    key = fields.String()
    raised_on = fields.String(metadata={"format": "date"})


class PolicyRef(Schema):
    branch = fields.String(metadata={"description": "whose policy applied (`default` when the branch has none)"})
    version = fields.Integer(metadata={"description": "0: the built-in defaults"})


class PictureOut(Schema):
    customer_id = fields.String()
    reported = fields.Nested(Reported, allow_none=True, metadata={"description": "null: core banking sent nothing yet"})
    declared = fields.Nested(Declared)
    tier = fields.String(allow_none=True)
    tier_basis = fields.String(validate=validate.OneOf(("reported", "declared")), metadata={
        "description": "which AUM the tier rules used: the bank's reported figure wins when there is one"})
    holdings = fields.List(fields.Nested(HoldingOut))
    months = fields.List(fields.Nested(MonthOut), metadata={"description": "monthly history, oldest first (36 kept)"})
    signals = fields.List(fields.Nested(SignalOut), metadata={"description": "churn signals raised, oldest first"})
    at_risk = fields.Boolean(metadata={"description": "a churn signal raised in the last 30 days"})
    dormant_since = fields.String(allow_none=True, metadata={"format": "date"})
    contribution_cents = fields.Integer(metadata={"description": "贡献度 per year by the branch's formula"})
    policy = fields.Nested(PolicyRef)


@blp.route("/<customer_id>/picture")
class Picture(MethodView):
    @blp.response(200, PictureOut)
    def get(self, customer_id):
        """A customer's financial picture from core banking

        Current AUM (reported, as of a day) beside the declared figure, which one the tier
        used, holdings by product (account references masked), monthly history (AUM, transaction
        count, amount band, channels), churn signals, and contribution (贡献度) by the branch's
        formula. Money in integer cents. 404: no such customer for the caller.
        """
        who = identity.current()
        out = picture.view(customer_id, who, clock.today())
        out["holdings"] = [{**h, "account_ref": privacy.account_number(h["account_ref"])
                            if h.get("account_ref") else None} for h in out["holdings"]]
        return out


class ContributionFormula(Schema):
    aum_bp = fields.Integer(strict=True, required=True, validate=validate.Range(0, 10_000),
                            metadata={"description": "basis points of AUM per year"})
    loan_bp = fields.Integer(strict=True, required=True, validate=validate.Range(0, 10_000))
    product_cents = fields.Dict(keys=fields.String(validate=validate.OneOf(core.PRODUCT_TYPES)),
                                values=fields.Integer(strict=True, validate=validate.Range(0, 100_000_000)),
                                required=True,
                                metadata={"description": "per open product of the type, cents per year"})


class PolicyIn(Schema):
    class Meta:
        unknown = RAISE

    aum_drop_pct = fields.Integer(strict=True, required=True, validate=validate.Range(1, 100), metadata={
        "description": "churn: AUM below the window's peak by more than this percent"})
    window_months = fields.Integer(strict=True, required=True, validate=validate.Range(1, 24))
    key_product_types = fields.List(fields.String(validate=validate.OneOf(core.PRODUCT_TYPES)), required=True)
    win_window_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 366), metadata={
        "description": "a proposal is won by the product opened within this many days"})
    contribution = fields.Nested(ContributionFormula, required=True)
    age_bands = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^(1[0-1][0-9]|120|[1-9][0-9]?)$")),
        values=fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$")), metadata={
            "description": "life events: a birthday entering one of these ages opens an opportunity on the theme "
                           "(default 18, 30, 40, 50, 60 → retirement_planning); left out: kept as it was",
            "example": {"60": "retirement_planning"}})


class PolicyOut(PolicyIn):
    class Meta:
        unknown = RAISE

    branch = fields.String()
    version = fields.Integer()


class PolicyQuery(Schema):
    branch = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "default: the caller's branch (`default` for bank-wide staff)"})


def _policy(branch):
    key, version, policy = picture.policy_for(branch)
    return {**policy, "branch": key, "version": version}, 200, {"ETag": etag(version)}


@policy_blp.route("/policy")
class Policy(MethodView):
    @policy_blp.arguments(PolicyQuery, location="query", unknown=RAISE)
    @policy_blp.response(200, PolicyOut, headers={
        "ETag": {"description": "the policy's version, to send back as If-Match", "schema": {"type": "string"}}})
    @problems(policy_blp, 404)
    def get(self, q):
        """The financial policy in force for a branch

        Churn thresholds (AUM drop and window, key product types), the window in which an
        opened product wins a proposal, and the contribution formula. The branch's own
        policy, else the bank's default, else the built-in one (version 0). 404 for
        another branch than the caller's (bank-wide staff read any).
        """
        who = identity.current()
        branch = q.get("branch") or who.branch or None
        if branch and branch != picture.DEFAULT:
            who.ensure_can_see_branch(branch)   # another branch's settings are not the caller's to read
        return _policy(branch)

    @policy_blp.arguments(PolicyIn)
    @policy_blp.response(200, PolicyOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @policy_blp.doc(parameters=[IF_MATCH])
    @problems(policy_blp, 403, 412, 428)
    def put(self, data):
        """Set the caller's branch's financial policy

        Admins only (403 otherwise): a branch admin sets their branch's, a bank-wide admin the
        default. `If-Match`: the version of that policy itself (`"0"` while the branch has none
        of its own — GET then answers the default's, with `branch: default`); 428 without it,
        412 stale. Consumers use it within 10 seconds, from the next core-banking fact.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        version = if_match_version()
        doc = picture.save_policy(who.branch or None, data, version, who)
        return _policy(doc.id)
