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

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from pymongo.database import Database

from . import history

log = logging.getLogger(__name__)

BATCH = 500


class Settler:
    def __init__(self, on_settled: Callable[[int], None] = lambda n: None, linger: float = 0.005):
        self.on_settled = on_settled
        self.linger = linger    # seconds to let a batch gather once something is queued
        self._cond = threading.Condition()
        self._queue: list[tuple[Database, dict[str, Any]]] = []
        self._busy = 0
        self._pid = -1           # the process whose thread runs; -1: none (not started, or closed)
        atexit.register(self.close)

    def put(self, db: Database, records: Sequence[dict[str, Any]]) -> None:
        if not records:
            return
        with self._cond:
            if self._pid != os.getpid():
                # First use, or a forked child: threads do not survive a fork, and the
                # parent's queued records are the parent's to settle.
                self._pid, self._queue, self._busy = os.getpid(), [], 0
                threading.Thread(target=self._run, name="outbox-settler", daemon=True).start()
            self._queue.extend((db, r) for r in records)
            self._cond.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is settled (or tried); True if it was in time."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        """Settle what is queued and stop the thread (a later put starts another)."""
        if self._pid == os.getpid():
            self.flush()
        with self._cond:
            self._pid = -1
            self._cond.notify_all()

    def _run(self) -> None:
        me = os.getpid()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._pid != me)
                if self._pid != me:
                    return
            time.sleep(self.linger)
            with self._cond:
                batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
                self._busy += 1
            try:
                self._settle(batch)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

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
