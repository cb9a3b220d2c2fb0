"""Feedback from any channel, categorised, linked to a customer when known."""

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, problems

from .. import books
from ..schemas import FeedbackIn, FeedbackOut, FeedbackPage, FeedbackQuery
from ..scope import customer_for_write, visible_filter

blp = Blueprint("feedback", __name__, url_prefix="/api/v1/feedback/feedback",
                description="Feedback (客户反馈) from any channel")
store = books.feedback


_view = as_dict


@blp.route("")
class FeedbackList(MethodView):
    @blp.arguments(FeedbackIn)
    @blp.response(201, FeedbackOut, headers=CREATED)
    @problems(blp, 400, 503)
    def post(self, data):
        """Record feedback

        Records one piece of feedback (客户反馈) received on any channel. With `customer_id`
        it is linked to that customer and belongs to the customer's manager; the customer
        must be one of the caller's and known to the feedback service (422 on `customer_id`
        otherwise, also for an archived customer); one registered a moment ago is read from
        the customer service (503 when that service does not answer). Without it, it belongs
        to the caller.
        Publishes `feedback.feedback.received` (without the content).
        """
        who = identity.current()
        snap = customer_for_write(data["customer_id"], who) if data.get("customer_id") else None
        doc = books.record_feedback(data, snap, who)
        return _view(doc), 201, {"ETag": etag(doc.version), "Location": f"/api/v1/feedback/feedback/{doc.id}"}

    @blp.arguments(FeedbackQuery, location="query")
    @blp.response(200, FeedbackPage)
    @problems(blp, 400)
    def get(self, q):
        """List feedback

        The feedback the caller may see (own customers; a supervisor's team, an admin's
        branch), newest first, optionally filtered by customer, category and channel.
        Cursor-paginated: pass `next_cursor` back as `cursor` (400 for a cursor not made
        by this list).
        """
        who = identity.current()
        query = visible_filter(who)
        for k in ("customer_id", "category", "channel"):
            if q.get(k):
                query[k] = q[k]
        rows, nxt = page(store.collection, query, [("created_at", -1)], q["limit"], q.get("cursor"))
        return {"items": [_view(r) for r in rows], "next_cursor": nxt}


@blp.route("/<feedback_id>")
class FeedbackItem(MethodView):
    @blp.response(200, FeedbackOut, headers=ETAG)
    def get(self, feedback_id):
        """Read feedback

        One piece of feedback; 404 when there is none with this id for the caller.
        """
        who = identity.current()
        doc = store.require(feedback_id, "feedback")
        who.ensure_can_see(doc.manager_id, doc.branch, "feedback")
        return _view(doc), 200, {"ETag": etag(doc.version)}
