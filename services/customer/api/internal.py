"""/internal/v1/customers: reads for the other services, never routed by the gateway.

Engagement and feedback keep a copy of each customer from the events; a request that
names a customer whose first event has not reached them yet reads it through here
(chassis.readthrough), as the caller. The gateway forwards /api/v1/<prefix> only, so
this path is reachable on the services' network alone; it answers the event payload,
whose birth date is not masked, exactly as the events carry it.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from chassis import identity
from chassis.http import etag
from chassis.openapi import ETAG
from contracts.customer import CustomerSnapshotData

from .. import service

blp = Blueprint("internal", __name__, url_prefix="/internal/v1/customers",
                description="Reads for the other services (not routed by the gateway)")


class CustomerSnapshotOut(CustomerSnapshotData):
    """The snapshot the customer events carry (contracts/customer.py), with its version."""
    version = fields.Integer(required=True, metadata={
        "description": "the customer's version this snapshot is of (an event's subject_version)"})


@blp.route("/<customer_id>/snapshot")
class Snapshot(MethodView):
    @blp.response(200, CustomerSnapshotOut, headers=ETAG)
    def get(self, customer_id):
        """The customer's snapshot, as its events carry it (service to service)

        For engagement and feedback, when a request names a customer whose events have not
        reached them yet: the non-sensitive snapshot every customer event carries (the data
        of `customer.customer.registered`, the same schema and values) and the customer's
        `version`, which the caller keeps the copy at, guarded like an event's
        `subject_version`. Called with the end user's X-Identity, so the one visibility rule
        decides: 404 for an unknown customer and for one the caller may not see, alike.
        Not routed by the gateway.
        """
        who = identity.current()
        c = service.store.require(customer_id, "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        return {**service.snapshot(c), "version": c.version}, 200, {"ETag": etag(c.version)}
