"""HTTP entry points of the engagement service."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from chassis import identity, privacy
from chassis.errors import not_found

from .. import snapshots

blp = Blueprint("snapshots", __name__, url_prefix="/api/v1/engagement/customers",
                description="This service's copy of customer data")


class SnapshotOut(Schema):
    id = fields.String()
    version = fields.Integer(metadata={"description": "the customer version this copy reflects"})
    name = fields.String()
    tier = fields.String(allow_none=True)
    manager_id = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True, metadata={"description": "masked: --MM-DD"})


@blp.route("/<customer_id>/snapshot")
class Snapshot(MethodView):
    @blp.response(200, SnapshotOut)
    def get(self, customer_id):
        """This service's copy of a customer

        The few customer fields engagement keeps (from the customer service's events) to
        plan contacts and care, always masked. 404 when the copy has not arrived yet or the
        customer is not in the caller's scope. For the profile itself ask the customer service.
        """
        who = identity.current()
        snap = snapshots.get(customer_id)
        if snap is None:
            raise not_found("customer")
        who.ensure_can_see(snap.manager_id, snap.branch)
        # A copy is never unmasked (the customer service is where that is audited).
        return privacy.mask(snap.to_mongo().to_dict() | {"id": snap.id})[0]
