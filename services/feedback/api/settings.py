"""Admin-editable settings: the SLA table and the follow-up survey policy."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import invalid
from chassis.http import etag, if_match_version

from .. import policies
from ..schemas import FollowUpPolicy, FollowUpPolicyOut, SlaPolicy, SlaPolicyOut

blp = Blueprint("feedback-settings", __name__, url_prefix="/api/v1/feedback/settings",
                description="SLA table (severity × tier) and follow-up survey policy; admins edit, "
                            "If-Match \"0\" replaces the defaults")


def _get(kind):
    identity.current()
    value, version = policies.current(kind)
    return {**value, "version": version}, 200, {"ETag": etag(version)}


def _put(kind, data):
    who = identity.current()
    who.ensure_role(identity.ADMIN)
    value, version = policies.put(kind, data, if_match_version(), who)
    return {**value, "version": version}, 200, {"ETag": etag(version)}


@blp.route("/sla")
class Sla(MethodView):
    @blp.response(200, SlaPolicyOut)
    def get(self):
        return _get(policies.SLA)

    @blp.arguments(SlaPolicy)
    @blp.response(200, SlaPolicyOut)
    def put(self, data):
        return _put(policies.SLA, data)


@blp.route("/followup")
class FollowUp(MethodView):
    @blp.response(200, FollowUpPolicyOut)
    def get(self):
        return _get(policies.FOLLOWUP)

    @blp.arguments(FollowUpPolicy)
    @blp.response(200, FollowUpPolicyOut)
    def put(self, data):
        from ..surveys import templates
        for trigger, tid in data["triggers"].items():
            if tid and templates.get(tid) is None:
                raise invalid({f"triggers.{trigger}": ["No such survey."]})
        return _put(policies.FOLLOWUP, data)
