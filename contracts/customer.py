"""Events produced by the customer service."""
from marshmallow import Schema, fields

from chassis.events import event_type

PRODUCER = "customer"


class CustomerSnapshotData(Schema):
    """The non-sensitive part of a profile other services keep a copy of."""
    customer_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "individual | corporate"})
    name = fields.String(required=True)
    tier = fields.String(allow_none=True)
    classes = fields.List(fields.String(), load_default=list)
    tags = fields.List(fields.String(), load_default=list)
    birth_date = fields.Date(allow_none=True)
    important_dates = fields.List(fields.Dict(), load_default=list,
                                  metadata={"description": "[{kind, date (YYYY-MM-DD), label}]"})
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    preferred_channels = fields.List(fields.String(), load_default=list)
    status = fields.String(load_default="active")


REGISTERED = event_type(
    "customer.customer.registered", 1, PRODUCER,
    "A customer was added to the archive (single create or bulk import). Carries the snapshot "
    "fields other services copy; never ID numbers, mobiles or addresses.",
    CustomerSnapshotData, consumers=("engagement", "feedback"))
