"""Contact cadence (沟通频率) per tier and class, editable by admins; due/overdue lists."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.http import etag, if_match_version
from chassis.openapi import problems

from .. import book, cadence, rules, scope
from ..models import CadenceRule
from ..schemas import CadenceIn, CadenceRuleOut, ContactsDue, ManagerDateQuery

blp = Blueprint("cadence", __name__, url_prefix="/api/v1/engagement/cadence",
                description="Contact frequency rules and customers due for contact")


@blp.route("")
class Rules(MethodView):
    @blp.response(200, CadenceRuleOut(many=True))
    def get(self):
        """Contact cadence rules

        How many days may pass between two contacts, per tier (`tier:gold`) and per
        customer class (`class:hnw`): the built-in defaults with the admins' overrides
        (`source: custom`, with the `version` to send as `If-Match`). A customer gets the
        shortest interval of their tier and classes.
        """
        identity.current()
        custom = {r.id: r for r in CadenceRule.objects}
        keys = sorted(set(rules.DEFAULT_CADENCE) | set(custom))
        merged = cadence.intervals()
        return [{"key": k, "kind": k.split(":", 1)[0], "value": k.split(":", 1)[1], "interval_days": merged[k],
                 "source": "custom" if k in custom else "default",
                 "version": custom[k].version if k in custom else None} for k in keys]


@blp.route("/<kind>/<value>")
class Rule(MethodView):
    @blp.arguments(CadenceIn)
    @blp.response(200, CadenceRuleOut)
    @problems(blp, 400, 403, 409, 412, 428)
    def put(self, data, kind, value):
        """Set a contact cadence rule (admins)

        Sets the interval for a tier (`/cadence/tier/gold`) or a customer class
        (`/cadence/class/hnw`); `kind` is `tier` or `class` and a tier must be a known one
        (else 422). The first change of a rule creates it; later ones need `If-Match` with
        its `version` (428 without it, 400 when it is not an ETag, 412 when stale). 409 when
        two admins create the same rule at once. 403 for other roles.
        """
        doc = cadence.set_rule(kind, value, data["interval_days"], if_match_version(required=False),
                               identity.current())
        return ({"key": doc.id, "kind": kind, "value": value, "interval_days": doc.interval_days, "source": "custom",
                 "version": doc.version}, 200, {"ETag": etag(doc.version)})


@blp.route("/due")
class Due(MethodView):
    @blp.arguments(ManagerDateQuery, location="query")
    @blp.response(200, ContactsDue)
    @problems(blp, 404)
    def get(self, q):
        """Customers due for contact

        The customers of a manager's book (managers: their own; others name `manager_id`,
        422 without it) whose next contact is due within 7 days of `date` (default today)
        or overdue, with the last contact, the cadence and the preferred channel. 404 when
        the manager is not in the caller's scope.
        """
        manager_id = scope.manager_scope(q.get("manager_id"))
        due, overdue = book.contact_status(manager_id, q.get("date") or clock.today())
        return {"manager_id": manager_id, "due": due, "overdue": overdue}
