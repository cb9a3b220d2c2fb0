"""Where the latest contact per customer is kept: one small document per customer, the
adapter behind ``ports.last_contacts`` (the use cases are in ``contacts``)."""
from __future__ import annotations

from datetime import datetime, timezone

from mongoengine import DateTimeField, Document, IntField, StringField

from chassis import copies


class LastContact(Document):
    id = StringField(primary_key=True)     # customer id
    version = IntField(required=True)      # the contact time in ms since the epoch: later wins
    at = DateTimeField(required=True)
    updated_at = DateTimeField()

    meta = {"db_alias": "engagement", "collection": "last_contacts"}


def utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


class LastContacts:
    """Marks as ``chassis.copies`` copies whose version is the contact time: a later contact
    replaces one, an earlier or repeated one never does, in any order and under concurrent
    writers."""

    def mark(self, customer_id: str, at: datetime) -> None:
        at = utc(at)
        copies.keep(LastContact._get_collection(), customer_id, int(at.timestamp() * 1000), {"at": at})

    def latest(self, customer_ids: list[str]) -> dict[str, datetime]:
        return {r["_id"]: utc(r["at"])
                for r in LastContact._get_collection().find({"_id": {"$in": customer_ids}}, {"at": 1})}
