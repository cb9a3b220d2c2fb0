"""Local copies of another service's data, kept from its events (and, for a record not
heard of yet, read through from its owner: ``chassis.readthrough``).

Order-safe and idempotent: a copy is replaced only by a newer version of the subject
(an event's ``subject_version``, a read's record version), so a redelivered or late
event, or a read older than an event already applied, never rolls it back. The
conditional upsert turns "already newer" into a duplicate key on ``_id``, which is
atomic on FerretDB and MongoDB alike.
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
    return keep(collection, envelope.subject, envelope.subject_version or 0, fields)


def keep(collection: Collection, subject: str, version: int, fields: dict[str, Any]) -> bool:
    """Store ``fields`` as ``subject``'s copy at ``version`` unless the same or a newer
    version is stored. The one guard for every way a copy arrives (an event, a read
    through to the owning service). True when stored."""
    clean = {k: (datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v)
             for k, v in fields.items()}
    for _ in range(2):
        try:
            res = collection.update_one(
                {"_id": subject, "version": {"$lt": version}},
                {"$set": {**clean, "version": version, "updated_at": datetime.now(timezone.utc)}},
                upsert=True)
        except DuplicateKeyError:
            # The copy exists and did not match "older than version". Usually it is the
            # same or newer; but it may have been inserted by a concurrent writer (an event
            # and a read-through racing to create it) after our filter found nothing, and
            # that one may be older: look once more, now that it exists.
            continue
        return bool(res.upserted_id or res.modified_count)
    return False  # the same or a newer version is stored


def pick(data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named fields present in an event's (contract-loaded, so typed) data."""
    return {k: data[k] for k in names if k in data}
