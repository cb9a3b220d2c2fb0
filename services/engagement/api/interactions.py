"""Interactions: log a contact on any channel; a customer's timeline, newest first."""

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import page
from chassis.models import as_dict
from chassis.openapi import problems

from .. import interactions, scope
from ..models import Interaction
from ..schemas import InteractionIn, InteractionOut, InteractionPage, PageQuery

blp = Blueprint("interactions", __name__, url_prefix="/api/v1/engagement",
                description="Interaction log (客户沟通) over every channel")


@blp.route("/interactions")
class Interactions(MethodView):
    @blp.arguments(InteractionIn)
    @blp.response(201, InteractionOut)
    @problems(blp, 404, 503)
    def post(self, data):
        """Log a contact with a customer

        Records one contact on any channel (phone, WeChat, counter, visit...) with its
        purpose, summary, outcome, next step and an optional follow-up date, which puts the
        customer on that day's worklist. `occurred_at` defaults to now and may not be in the
        future. It counts as the customer's latest contact for the contact cadence. 404 when
        the customer is not in the caller's book. A customer registered a moment ago is
        read from the customer service (its events may not have arrived yet): 503 when that
        service does not answer. Answers 201 with `Location`.
        """
        doc = interactions.log(scope.customer(data["customer_id"]), data, identity.current())
        return as_dict(doc), 201, {"Location": f"/api/v1/engagement/interactions/{doc.id}"}


@blp.route("/interactions/<interaction_id>")
class InteractionItem(MethodView):
    @blp.response(200, InteractionOut)
    def get(self, interaction_id):
        """One interaction

        404 when there is no such interaction or its customer is not in the caller's book
        now (records follow the customer's current manager).
        """
        doc = interactions.store.require(interaction_id, "interaction")
        scope.customer(doc.customer_id, read_through=False)
        return as_dict(doc)


@blp.route("/customers/<customer_id>/interactions")
class Timeline(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, InteractionPage)
    @problems(blp, 400, 503)
    def get(self, q, customer_id):
        """A customer's contact timeline

        Interactions of one customer, newest first, `limit` per page; pass the answer's
        `next_cursor` as `cursor` for the next page (400 for a cursor this service did
        not issue). 404 when the customer is not in the caller's book; 503 when the customer
        is new here and the customer service (it is read from) does not answer.
        """
        scope.customer(customer_id)
        rows, nxt = page(Interaction._get_collection(), {"customer_id": customer_id},
                         [("occurred_at", -1), ("_id", -1)], q["limit"], q.get("cursor"))
        return {"items": [as_dict(r) for r in rows], "next_cursor": nxt}
