"""Admin-editable settings: the SLA table and the follow-up survey policy."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import invalid
from chassis.http import etag, if_match_version
from chassis.openapi import ETAG, IF_MATCH, problems

from .. import policies
from ..schemas import FollowUpPolicy, FollowUpPolicyOut, SlaPolicy, SlaPolicyOut

blp = Blueprint("feedback-settings", __name__, url_prefix="/api/v1/feedback/settings",
                description="SLA table (severity × tier) and follow-up survey policy; admins edit, "
                            "If-Match \"0\" replaces the defaults")


# "0" stands for the built-in defaults, never edited yet.
IF_MATCH_POLICY = {**IF_MATCH, "example": "\"0\"",
                   "description": "The ETag you read (\"0\" over the built-in defaults); 428 without it, "
                                  "412 when the policy changed since, 400 when it is not a version"}
PUT_ERRORS = (400, 403, 412, 428)


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
    @blp.response(200, SlaPolicyOut, headers=ETAG)
    def get(self):
        """Read the complaint SLA table

        Hours to respond and to resolve a complaint by severity × customer tier
        (`default` applies to a tier without its own cell), when a deadline counts as
        near, and after how long an unanswered resolution is closed. Version 0 (`ETag`
        "0") is the built-in defaults. Any member of staff may read it.
        """
        return _get(policies.SLA)

    @blp.arguments(SlaPolicy)
    @blp.response(200, SlaPolicyOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH_POLICY])
    @problems(blp, *PUT_ERRORS)
    def put(self, data):
        """Replace the complaint SLA table

        Admins only (403 otherwise). Replaces the whole policy: the table sets the deadlines
        of complaints opened or reopened from now on, the near fraction and the
        confirmation timeout apply at once. Every severity needs a `default` cell, and
        response hours may not exceed resolution hours (422). Send the `ETag` read as
        `If-Match` ("0" over the defaults).
        """
        return _put(policies.SLA, data)


@blp.route("/followup")
class FollowUp(MethodView):
    @blp.response(200, FollowUpPolicyOut, headers=ETAG)
    def get(self):
        """Read the follow-up survey policy

        Which survey follows a completed visit, an attended activity and a closed
        complaint (null: the built-in 回访 survey), which triggers are on, and the
        frequency cap (at most `cap_count` follow-ups per customer in `cap_days`).
        Version 0 (`ETag` "0") is the built-in defaults.
        """
        return _get(policies.FOLLOWUP)

    @blp.arguments(FollowUpPolicy)
    @blp.response(200, FollowUpPolicyOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH_POLICY])
    @problems(blp, *PUT_ERRORS)
    def put(self, data):
        """Replace the follow-up survey policy

        Admins only (403 otherwise). A survey id in `triggers` must exist (422 on
        `triggers.<trigger>`). Send the `ETag` read as `If-Match` ("0" over the defaults).
        """
        from ..surveys import templates
        identity.current().ensure_role(identity.ADMIN)   # before anything about the body is said
        for trigger, tid in data["triggers"].items():
            if tid and templates.get(tid) is None:
                raise invalid({f"triggers.{trigger}": ["No such survey."]})
        return _put(policies.FOLLOWUP, data)
