"""/api/v1/tiers: the tier rules (admins edit them; changes re-tier customers in the worker)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag, if_match_version

from .. import service
from ..schemas import TierRulesIn, TierRulesOut

blp = Blueprint("tiers", __name__, url_prefix="/api/v1/tiers", description="Tier rules")


def _out():
    version, rules = service.current_rules()
    doc = service.tier_store.get(service.RULES_ID)
    return {"version": version, "rules": rules, "updated_at": doc.updated_at if doc else None}, 200, \
        {"ETag": etag(version)}


@blp.route("/rules")
class Rules(MethodView):
    @blp.response(200, TierRulesOut)
    def get(self):
        """The rules in force: per tier, minimum AUM / annual income / products held (all must be met)."""
        identity.current()
        return _out()

    @blp.arguments(TierRulesIn)
    @blp.response(200, TierRulesOut)
    def put(self, data):
        """Replace the rules (admins; If-Match: the version read, "0" for the built-in defaults)."""
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        service.save_rules(data["rules"], if_match_version(), who)
        return _out()
