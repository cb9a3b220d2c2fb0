"""Settling change records: from the pending ``outbox`` to the permanent ``changes``.

One implementation for the relay and for publish on commit, so a record leaves the
outbox the same way whoever published it. History is written first, the outbox entry
deleted second: a crash in between leaves the record in both, and the next settle
finds the history copy (duplicate key) and only deletes. ``store.history`` reads the
outbox before the history for the same reason.

An outbox marker (``store.MARKER``: a bulk creation whose records were written to
history at once) is settled by deleting it: its records are in history already.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ..store import CHANGES, DUPLICATE_KEY, MARKER, OUTBOX


def is_marker(record: dict[str, Any]) -> bool:
    return str(record["_id"]).startswith(MARKER)


def to_history(db: Database, records: Sequence[dict[str, Any]], status: str = "published") -> None:
    if not records:
        return
    now = datetime.now(timezone.utc)
    # relay_after only told relays to keep off while the record was pending.
    copies = [{**{k: v for k, v in r.items() if k != "relay_after"}, "status": status, "settled_at": now}
              for r in records if not is_marker(r)]
    if len(records) == 1:
        if copies:
            try:
                db[CHANGES].insert_one(copies[0])
            except DuplicateKeyError:
                pass  # moved before a crash; only the outbox delete was missing
        db[OUTBOX].delete_one({"_id": records[0]["_id"]})
        return
    if copies:
        try:
            db[CHANGES].insert_many(copies, ordered=False)
        except BulkWriteError as bwe:
            if any(e.get("code") != DUPLICATE_KEY for e in bwe.details.get("writeErrors", [])):
                raise
    db[OUTBOX].delete_many({"_id": {"$in": [r["_id"] for r in records]}})
