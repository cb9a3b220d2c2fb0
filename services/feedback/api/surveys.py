"""Surveys (问卷调查): templates, distribution to a segment, invitations and responses."""
import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, problems

from .. import surveys
from ..schemas import (
    DistributionIn,
    DistributionOut,
    InvitationOut,
    InvitationPage,
    InvitationQuery,
    Query,
    ResponseIn,
    ResponseOut,
    SurveyIn,
    SurveyOut,
)
from ..scope import visible_filter
from ..snapshots import CustomerSnapshot

blp = Blueprint("surveys", __name__, url_prefix="/api/v1/feedback",
                description="Survey templates, distribution, invitations and responses")


_view = as_dict


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(SurveyIn)
    @blp.response(201, SurveyOut, headers=CREATED)
    @problems(blp, 400, 403)
    def post(self, data):
        """Create a survey

        Supervisors and admins (403 otherwise) create a survey template (问卷): questions
        of type rating (answer 1–5), nps (0–10), single or multiple (at least two
        distinct `options`) and text (at most 2000 characters). Question keys are
        `[a-z][a-z0-9_]*`, unique in the survey; they name the answers.
        """
        t = surveys.create_template(data, identity.current())
        return _view(t), 201, {"ETag": etag(t.version), "Location": f"/api/v1/feedback/surveys/{t.id}"}

    @blp.arguments(Query, location="query")
    @blp.response(200, SurveyOut(many=True))
    @problems(blp, 400)
    def get(self, q):
        """List surveys

        Active survey templates, newest first, at most `limit` of them (every member of
        staff sees every survey). The answer is a plain list without a next cursor.
        """
        identity.current()
        rows, _ = page(surveys.templates.collection, {"status": "active"}, [("created_at", -1)], q["limit"],
                       q.get("cursor"))
        return [_view(r) for r in rows]


@blp.route("/surveys/<survey_id>")
class SurveyItem(MethodView):
    @blp.response(200, SurveyOut, headers=ETAG)
    def get(self, survey_id):
        """Read a survey

        One survey template with its questions; `followup-default` is the built-in
        follow-up (回访) survey once it has been used.
        """
        identity.current()
        t = surveys.templates.require(survey_id, "survey")
        return _view(t), 200, {"ETag": etag(t.version)}


@blp.route("/surveys/<survey_id>/distributions")
class Distributions(MethodView):
    @blp.arguments(DistributionIn)
    @blp.response(201, DistributionOut)
    @problems(blp, 400)
    def post(self, data, survey_id):
        """Distribute a survey to a segment

        Invites every customer the caller sees who matches the segment (tiers, classes,
        tags, managers; empty lists match everyone) and is not archived, from the feedback
        service's copy of the customers. Invitation ids are
        `<distribution_id>:<customer_id>`, so repeating the call with the same
        `distribution_id` invites nobody twice (`already_invited` counts them). 404 for
        an unknown survey, or a manager in `manager_ids` the caller may not see.
        """
        who = identity.current()
        t = surveys.templates.require(survey_id, "survey")
        seg = data["segment"]
        query = {"status": {"$ne": "archived"}, **visible_filter(who)}
        if seg["tiers"]:
            query["tier"] = {"$in": seg["tiers"]}
        if seg["classes"]:
            query["classes"] = {"$in": seg["classes"]}
        if seg["tags"]:
            query["tags"] = {"$in": seg["tags"]}
        if seg["manager_ids"]:
            for m in seg["manager_ids"]:
                who.ensure_can_see_manager(m)
            query = {"$and": [query, {"manager_id": {"$in": seg["manager_ids"]}}]}
        customers = list(CustomerSnapshot.objects(__raw__=query))
        did = data.get("distribution_id") or uuid.uuid4().hex
        created, errors = surveys.distribute(t, did, customers, who)
        return {"distribution_id": did, "invited": len(created), "already_invited": len(errors)}


@blp.route("/invitations")
class Invitations(MethodView):
    @blp.arguments(InvitationQuery, location="query")
    @blp.response(200, InvitationPage)
    @problems(blp, 400)
    def get(self, q):
        """List survey invitations

        Invitations to the caller's customers, newest first, filtered by customer,
        survey, status and `context_id` (the distribution, visit, activity or complaint a
        follow-up belongs to). Cursor-paginated: pass `next_cursor` back as `cursor` (400
        for a cursor not made by this list).
        """
        who = identity.current()
        query = visible_filter(who)
        for k in ("customer_id", "survey_id", "status"):
            if q.get(k):
                query[k] = q[k]
        if q.get("context_id"):
            query["context.id"] = q["context_id"]
        rows, nxt = page(surveys.invitations.collection, query, [("created_at", -1)], q["limit"], q.get("cursor"))
        return {"items": [_view(r) for r in rows], "next_cursor": nxt}


@blp.route("/invitations/<invitation_id>")
class InvitationItem(MethodView):
    @blp.response(200, InvitationOut, headers=ETAG)
    def get(self, invitation_id):
        """Read a survey invitation

        One invitation: the survey, the customer, what it follows up (`context`) and
        whether it was answered.
        """
        inv = surveys.require_invitation(invitation_id, identity.current())
        return _view(inv), 200, {"ETag": etag(inv.version)}


@blp.route("/invitations/<invitation_id>/response")
class InvitationResponse(MethodView):
    @blp.arguments(ResponseIn)
    @blp.response(201, ResponseOut)
    @problems(blp, 400, 409)
    def post(self, data, invitation_id):
        """Record a survey response

        The customer's answers, question key → answer, checked against the survey
        (422 with `answers.<key>` errors: unknown key, required answer missing, value of
        the wrong kind). One response per invitation: a second one, even at the same
        time, is 409. Publishes `feedback.survey.responded` with the scores (never the
        text answers).
        """
        who = identity.current()
        inv = surveys.require_invitation(invitation_id, who)
        r = surveys.respond(inv, data["answers"], who)
        return _view(r), 201

    @blp.response(200, ResponseOut)
    def get(self, invitation_id):
        """Read a survey response

        The response to an invitation; 404 while it has not been answered.
        """
        surveys.require_invitation(invitation_id, identity.current())
        r = surveys.responses.get(invitation_id)
        if r is None:
            raise not_found("response")
        return _view(r)
