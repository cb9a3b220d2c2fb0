"""The copy of customer data engagement needs (cadence, care, targeting)."""
from __future__ import annotations

from mongoengine import DateField, DateTimeField, DictField, Document, IntField, ListField, StringField

from chassis import copies, readthrough
from chassis.events import Envelope


class CustomerSnapshot(Document):
    id = StringField(primary_key=True)          # customer id
    version = IntField(required=True)           # customer version it reflects
    kind = StringField()
    name = StringField()
    tier = StringField()
    classes = ListField(StringField())
    tags = ListField(StringField())
    birth_date = DateField()
    important_dates = ListField(DictField())
    manager_id = StringField()
    branch = StringField()
    preferred_channels = ListField(StringField())
    status = StringField()
    # next best action: the risk assessment and the AUM band (never the figure)
    risk_level = StringField()
    risk_valid_until = DateField()
    aum_band = StringField()
    updated_at = DateTimeField()

    meta = {"db_alias": "engagement", "collection": "customer_snapshots",
            "indexes": [{"fields": ["manager_id"], "name": "by_manager"}]}


FIELDS = ("kind", "name", "tier", "classes", "tags", "birth_date", "important_dates",
          "manager_id", "branch", "preferred_channels", "status", "risk_level", "risk_valid_until", "aum_band")


def apply(envelope: Envelope) -> bool:
    return copies.apply(CustomerSnapshot._get_collection(), envelope, copies.pick(envelope.data, FIELDS))


def get(customer_id: str) -> CustomerSnapshot | None:
    return CustomerSnapshot.objects(id=customer_id).first()


def known(customer_id: str) -> dict | None:
    """The copy of a customer as a raw document; read through from the customer service
    (as the caller) when no event has brought it yet. None: no such customer for this
    caller. 503 Problem: the customer service did not answer in time."""
    return readthrough.copy_of(CustomerSnapshot._get_collection(), customer_id, "customer",
                               readthrough.customer_path(customer_id), FIELDS)
