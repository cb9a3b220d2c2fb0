"""Local copies of another service's data, kept from its events.

Order-safe and idempotent: a copy is replaced only by an event about a newer
version of the subject (``subject_version``), so a redelivered or late event
never rolls it back. The conditional upsert turns "already newer" into a
duplicate key on ``_id``, which is atomic on FerretDB and MongoDB alike.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .events import Envelope


def apply(collection: Collection, envelope: Envelope, fields: dict[str, Any]) -> bool:
    """Store ``fields`` for the envelope's subject if it is newer. True when applied."""
    version = envelope.subject_version or 0
    clean = {k: (datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v)
             for k, v in fields.items()}
    try:
        res = collection.update_one(
            {"_id": envelope.subject, "version": {"$lt": version}},
            {"$set": {**clean, "version": version, "updated_at": datetime.now(timezone.utc)}},
            upsert=True)
    except DuplicateKeyError:
        return False  # the same or a newer version is already stored
    return bool(res.upserted_id or res.modified_count)


def pick(data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named fields present in an event's (contract-loaded, so typed) data."""
    return {k: data[k] for k in names if k in data}
