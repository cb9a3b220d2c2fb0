"""The copy of customer data feedback needs (SLA by tier, figures per manager)."""
from __future__ import annotations

from mongoengine import DateTimeField, Document, IntField, ListField, StringField

from chassis import copies
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
