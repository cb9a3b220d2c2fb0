"""Interactions: log a contact on any channel; a customer's timeline, newest first."""
import uuid
from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import invalid
from chassis.http import page
from chassis.openapi import problems
from chassis.store import AggregateStore
from contracts import engagement as events

from .. import access
from ..models import Interaction
from ..schemas import InteractionIn, InteractionOut, InteractionPage, PageQuery

blp = Blueprint("interactions", __name__, url_prefix="/api/v1/engagement",
                description="Interaction log (客户沟通) over every channel")
store = AggregateStore(Interaction, "interaction")


@blp.route("/interactions")
class Interactions(MethodView):
    @blp.arguments(InteractionIn)
    @blp.response(201, InteractionOut)
    @problems(blp, 404)
    def post(self, data):
        """Log a contact with a customer

        Records one contact on any channel (phone, WeChat, counter, visit...) with its
        purpose, summary, outcome, next step and an optional follow-up date, which puts the
        customer on that day's worklist. `occurred_at` defaults to now and may not be in the
        future. It counts as the customer's latest contact for the contact cadence. 404 when
        the customer is not in the caller's book. Answers 201 with `Location`.
        """
        who = identity.current()
        snap = access.customer(data["customer_id"])
        occurred = access.utc(data.pop("occurred_at", None)) or access.now()
        if occurred > access.now() + timedelta(minutes=5):
            raise invalid({"occurred_at": ["A contact cannot be logged in the future."]})
        iid = str(uuid.uuid4())
        doc = Interaction(id=iid, manager_id=snap.get("manager_id"), branch=snap.get("branch"),
                          occurred_at=occurred, recorded_by=who.user_id, **data)
        store.create(doc, who, [events.INTERACTION_LOGGED.new(iid, {
            "interaction_id": iid, "customer_id": doc.customer_id, "manager_id": doc.manager_id,
            "channel": doc.channel, "occurred_at": occurred,
            "follow_up_date": doc.follow_up_date})], channel=doc.channel)
        return access.out(doc), 201, {"Location": f"/api/v1/engagement/interactions/{iid}"}


@blp.route("/interactions/<interaction_id>")
class InteractionItem(MethodView):
    @blp.response(200, InteractionOut)
    def get(self, interaction_id):
        """One interaction

        404 when there is no such interaction or its customer is not in the caller's book
        now (records follow the customer's current manager).
        """
        doc = store.require(interaction_id, "interaction")
        access.customer(doc.customer_id)
        return access.out(doc)


@blp.route("/customers/<customer_id>/interactions")
class Timeline(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, InteractionPage)
    @problems(blp, 400)
    def get(self, q, customer_id):
        """A customer's contact timeline

        Interactions of one customer, newest first, `limit` per page; pass the answer's
        `next_cursor` as `cursor` for the next page (400 for a cursor this service did
        not issue). 404 when the customer is not in the caller's book.
        """
        access.customer(customer_id)
        rows, nxt = page(Interaction._get_collection(), {"customer_id": customer_id},
                         [("occurred_at", -1), ("_id", -1)], q["limit"], q.get("cursor"))
        return {"items": [access.out(r) for r in rows], "next_cursor": nxt}
