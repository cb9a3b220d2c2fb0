"""The copy of customer data feedback needs (SLA by tier, figures per manager)."""
from __future__ import annotations

from mongoengine import DateTimeField, Document, IntField, ListField, StringField

from chassis import copies, readthrough
from chassis.events import Envelope


class CustomerSnapshot(Document):
    id = StringField(primary_key=True)
    version = IntField(required=True)
    name = StringField()
    tier = StringField()
    classes = ListField(StringField())
    tags = ListField(StringField())
    manager_id = StringField()
    branch = StringField()
    status = StringField()
    updated_at = DateTimeField()

    meta = {"db_alias": "feedback", "collection": "customer_snapshots",
            "indexes": [{"fields": ["manager_id"], "name": "by_manager"}]}


FIELDS = ("name", "tier", "classes", "tags", "manager_id", "branch", "status")


def apply(envelope: Envelope) -> bool:
    return copies.apply(CustomerSnapshot._get_collection(), envelope, copies.pick(envelope.data, FIELDS))


def get(customer_id: str) -> CustomerSnapshot | None:
    return CustomerSnapshot.objects(id=customer_id).first()


def known(customer_id: str) -> CustomerSnapshot | None:
    """The copy of a customer; read through from the customer service (as the caller)
    when no event has brought it yet. None: no such customer for this caller. 503
    Problem: the customer service did not answer in time."""
    doc = readthrough.copy_of(CustomerSnapshot._get_collection(), customer_id, "customer",
                              readthrough.customer_path(customer_id), FIELDS)
    return None if doc is None else CustomerSnapshot._from_son(doc)
