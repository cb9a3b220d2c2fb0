"""Settling published records in batches, off the writing request's path.

Once its events are confirmed, a record only has to move from the outbox to the
history (``history.to_history``: one insert, one delete). Done inline that would be
two more database writes in every request; FerretDB's SQLite backend serialises the
writes of one database, so under load they are what the requests queue behind. A
thread per process instead moves whatever accumulated in one ``insert_many`` and one
``delete_many``, a few milliseconds after the publish.

Nothing is lost if the process dies with records queued here: they are still in the
outbox, and the relay settles them after ``relay_after`` (publishing their events a
second time, with the same ids, which consumers deduplicate on). A normal exit flushes
the queue first (``atexit``; gunicorn workers exit through it).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from pymongo.database import Database

from . import history
from .background import QueueThread

log = logging.getLogger(__name__)

BATCH = 500


class Settler(QueueThread):
    def __init__(self, on_settled: Callable[[int], None] = lambda n: None, linger: float = 0.005):
        super().__init__("outbox-settler")
        self.on_settled = on_settled
        self.linger = linger    # seconds to let a batch gather once something is queued

    def put(self, db: Database, records: Sequence[dict[str, Any]]) -> None:
        if records:
            self._enqueue((db, r) for r in records)

    def _pause(self) -> None:
        time.sleep(self.linger)

    def _take(self) -> list[tuple[Database, dict[str, Any]]]:
        batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
        return batch

    def _work(self, batch: list[tuple[Database, dict[str, Any]]]) -> None:
        self._settle(batch)

    def _settle(self, batch: list[tuple[Database, dict[str, Any]]]) -> None:
        by_db: dict[str, tuple[Database, list[dict[str, Any]]]] = {}
        for db, record in batch:
            by_db.setdefault(db.name, (db, []))[1].append(record)
        for db, records in by_db.values():
            for attempt in (1, 2):
                try:
                    history.to_history(db, records)
                    self.on_settled(sum(_published(r) for r in records))
                    break
                except Exception as exc:  # still pending: the relay settles them after relay_after
                    if attempt == 2:
                        log.warning("settling published records failed; the relay will settle them",
                                    extra={"error": repr(exc)[:300], "records": len(records)})


def _published(record: dict[str, Any]) -> int:
    """How many published records settling this one completes (a marker: those it names)."""
    if history.is_marker(record):
        return len(record["records"])
    return 1 if record["events"] else 0
