"""Surveys (问卷调查): templates, distribution to a segment, invitations and responses."""
import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag, page

from .. import surveys as ops
from ..models import SurveyTemplate
from ..snapshots import CustomerSnapshot
from ..schemas import (DistributionIn, DistributionOut, InvitationOut, InvitationPage, InvitationQuery,
                       Query, ResponseIn, ResponseOut, SurveyIn, SurveyOut)
from .common import visible_filter

blp = Blueprint("surveys", __name__, url_prefix="/api/v1/feedback",
                description="Survey templates, distribution, invitations and responses")


def _view(doc):
    d = doc.to_mongo().to_dict() if hasattr(doc, "to_mongo") else dict(doc)
    d["id"] = d.pop("_id")
    return d


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(SurveyIn)
    @blp.response(201, SurveyOut)
    def post(self, data):
        who = identity.current()
        who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
        questions = [{k: v for k, v in q.items() if v is not None} for q in data.pop("questions")]
        t = SurveyTemplate(id=str(uuid.uuid4()), questions=questions, created_by=who.user_id, **data)
        ops.templates.create(t, who, reason="survey created")
        return _view(t), 201, {"ETag": etag(t.version), "Location": f"/api/v1/feedback/surveys/{t.id}"}

    @blp.arguments(Query, location="query")
    @blp.response(200, SurveyOut(many=True))
    def get(self, q):
        identity.current()
        rows, _ = page(ops.templates.collection, {"status": "active"}, [("created_at", -1)], q["limit"],
                       q.get("cursor"))
        return [_view(r) for r in rows]


@blp.route("/surveys/<survey_id>")
class SurveyItem(MethodView):
    @blp.response(200, SurveyOut)
    def get(self, survey_id):
        identity.current()
        t = ops.templates.require(survey_id, "survey")
        return _view(t), 200, {"ETag": etag(t.version)}


@blp.route("/surveys/<survey_id>/distributions")
class Distributions(MethodView):
    @blp.arguments(DistributionIn)
    @blp.response(201, DistributionOut)
    def post(self, data, survey_id):
        """Invite every customer of the segment the caller sees (from the local snapshots)."""
        who = identity.current()
        t = ops.templates.require(survey_id, "survey")
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
        created, errors = ops.distribute(t, did, customers, who)
        return {"distribution_id": did, "invited": len(created), "already_invited": len(errors)}


@blp.route("/invitations")
class Invitations(MethodView):
    @blp.arguments(InvitationQuery, location="query")
    @blp.response(200, InvitationPage)
    def get(self, q):
        who = identity.current()
        query = visible_filter(who)
        for k in ("customer_id", "survey_id", "status"):
            if q.get(k):
                query[k] = q[k]
        if q.get("context_id"):
            query["context.id"] = q["context_id"]
        rows, nxt = page(ops.invitations.collection, query, [("created_at", -1)], q["limit"], q.get("cursor"))
        return {"items": [_view(r) for r in rows], "next_cursor": nxt}


@blp.route("/invitations/<invitation_id>")
class InvitationItem(MethodView):
    @blp.response(200, InvitationOut)
    def get(self, invitation_id):
        inv = ops.require_invitation(invitation_id, identity.current())
        return _view(inv), 200, {"ETag": etag(inv.version)}


@blp.route("/invitations/<invitation_id>/response")
class InvitationResponse(MethodView):
    @blp.arguments(ResponseIn)
    @blp.response(201, ResponseOut)
    def post(self, data, invitation_id):
        """Record the customer's answers (one response per invitation: a second is 409)."""
        who = identity.current()
        inv = ops.require_invitation(invitation_id, who)
        r = ops.respond(inv, data["answers"], who)
        return _view(r), 201

    @blp.response(200, ResponseOut)
    def get(self, invitation_id):
        ops.require_invitation(invitation_id, identity.current())
        r = ops.responses.get(invitation_id)
        if r is None:
            raise not_found("response")
        return _view(r)
