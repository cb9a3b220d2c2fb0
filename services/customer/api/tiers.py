"""/api/v1/tiers: the tier rules (admins edit them; changes re-tier customers in the worker)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag, if_match_version
from chassis.openapi import problems

from .. import service
from ..schemas import TierRulesIn, TierRulesOut
from .customers import IF_MATCH

blp = Blueprint("tiers", __name__, url_prefix="/api/v1/tiers", description="Tier rules")


def _out():
    version, rules = service.current_rules()
    doc = service.tier_store.get(service.RULES_ID)
    return {"version": version, "rules": rules, "updated_at": doc.updated_at if doc else None}, 200, \
        {"ETag": etag(version)}


@blp.route("/rules")
class Rules(MethodView):
    @blp.response(200, TierRulesOut, headers={
        "ETag": {"description": "the rules' version, to send back as If-Match", "schema": {"type": "string"}}})
    def get(self):
        """The tier rules in force

        Per tier (standard < gold < platinum < diamond < private_banking) the minimum AUM,
        annual income and products held, in integer cents and counts; a customer gets the
        highest tier whose every threshold it meets. Version 0 (ETag `"0"`) means the
        built-in defaults apply.
        """
        identity.current()
        return _out()

    @blp.arguments(TierRulesIn, example={"rules": [
        {"tier": "standard"}, {"tier": "gold", "min_aum_cents": 5000000},
        {"tier": "platinum", "min_aum_cents": 50000000}, {"tier": "diamond", "min_aum_cents": 200000000},
        {"tier": "private_banking", "min_aum_cents": 600000000, "min_products_held": 3}]})
    @blp.response(200, TierRulesOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[{**IF_MATCH, "example": '"0"'}])
    @problems(blp, 400, 403, 412, 428)
    def put(self, data):
        """Replace the tier rules

        Admins only (403 for others). Each tier at most once, in order, `standard` present,
        every threshold rising with the tier (422 otherwise). `If-Match`: the version read,
        `"0"` while the built-in defaults apply; 428 without it, 400 malformed, 412 stale.
        The worker then re-tiers every customer, each change publishing
        `customer.tier.changed`.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        service.save_rules(data["rules"], if_match_version(), who)
        return _out()
