"""Base document for aggregates written through the versioned store."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from mongoengine import DateTimeField, Document, IntField, StringField


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_dict(doc: Any) -> dict[str, Any]:
    """A mongoengine document or raw row as a plain dict with ``id`` instead of ``_id``."""
    d = dict(doc.to_mongo().to_dict() if hasattr(doc, "to_mongo") else doc)
    d["id"] = d.pop("_id", d.get("id"))
    return d


class Aggregate(Document):
    """An aggregate root: string id, a version bumped by every change.

    Never save() these directly: write through ``chassis.store.AggregateStore``
    so the change record (history + outbox) and the version check happen.
    """
    id = StringField(primary_key=True)
    version = IntField(default=0, min_value=0)
    created_at = DateTimeField()
    updated_at = DateTimeField()

    # mongoengine's options (db_alias, collection, indexes...): subclasses give their own.
    meta: dict[str, Any] = {"abstract": True}
