"""Publish on commit: a write's events leave the process as soon as the write is stored.

The store calls a ``CommitPublisher`` (its ``AfterCommit`` hook) with the change
records of every write that succeeded; it publishes their events with publisher
confirms on a kept-open connection, then settles the records exactly as the relay
does (``history.to_history``). Order of operations for one write:

1. change record inserted into the outbox, with ``relay_after = now + lease``;
2. aggregate document written;
3. events published and confirmed by the broker (this module), before the
   write's caller gets its answer; a write's events go out together and are
   confirmed together (``wire.Confirms``: one round trip, not one per event);
4. record moved to history, in a batch, off the request's path (``settler.py``).

A bulk creation (``store.AggregateStore.create_states`` with ``marker=True``: the
importer) writes its records straight to history with one outbox marker; its events
are published behind the writer, one batch while the next is written (``lane.py``),
and the marker deleted once they are all confirmed.

A crash after 1 or 2 leaves the record pending; the relay takes it after
``relay_after`` (repairing the document if 2 was missed). The publisher never
starts publishing a record once half its lease is gone, so in normal operation a
record is published by its writer or by the relay, never both.

The write path stays fast and safe whatever the broker does:
* connections are pooled per process (gunicorn gthread workers run many threads;
  a kombu channel is not thread-safe, so a thread takes a connection, uses it alone
  and gives it back), and forgotten, never closed, after a fork;
* connecting, and any silence while waiting for confirms, are bounded by
  ``CRM_PUBLISH_TIMEOUT``; on any
  failure the connection is dropped, the records stay for the relay, and the
  publisher stops trying for ``cooldown`` seconds, so a broker that is down or
  hanging costs the writes at most one timeout, not one each;
* nothing here raises into the write: the write has already succeeded.
"""
from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from kombu import Connection
from pymongo.database import Database

from .. import metrics, store
from ..config import Settings
from .lane import Lane
from .settler import Settler
from .wire import Confirms, connection

log = logging.getLogger(__name__)

TRUE = ("1", "true", "yes", "on")


class _Link:
    """One broker connection with a confirm-mode channel, used by one thread at a time."""

    def __init__(self, settings: Settings, timeout: float):
        self.conn: Connection = connection(settings, timeout, confirm_each=False)
        # One attempt, no sleeping between retries (connect() would wait 2 s and try again).
        self.conn.ensure_connection(max_retries=0, interval_start=0)
        self.confirms = Confirms(self.conn, settings)

    def close(self) -> None:
        try:
            self.conn.release()
        except Exception:
            pass


class CommitPublisher:
    """The per-process ``AfterCommit`` hook (see the module docstring)."""

    def __init__(self, settings: Settings, *, timeout: float, lease: float, pool_size: int = 4,
                 cooldown: float = 2.0):
        self.settings = settings
        self.timeout = timeout
        self.lease = timedelta(seconds=lease)
        self.pool_size = pool_size
        self.cooldown = cooldown
        self._lock = threading.Condition()
        self._idle: list[_Link] = []
        self._open = 0
        self._pid = os.getpid()
        self._resting_until = 0.0
        self.published = 0   # records published and settled here (for tests and benchmarks)
        self.settler = Settler(self._count)
        self.lane = Lane()   # after the settler: at exit it runs first, and hands the settler its last

    def _count(self, n: int) -> None:
        self.published += n

    # -- the hook ----------------------------------------------------------------
    def __call__(self, db: Database, records: Sequence[dict[str, Any]]) -> None:
        quiet = [r for r in records if not r["events"]]   # nothing to publish: settle at once
        loud = [r for r in records if r["events"]]
        done = self._publish(loud) if loud else []
        self.settler.put(db, quiet + done)

    def marked(self, db: Database, marker: dict[str, Any], records: Sequence[dict[str, Any]]) -> None:
        """A bulk creation's records, in history already under one outbox marker: published
        behind the writer (``lane.py``), so its next batch is written meanwhile."""
        self.lane.put(lambda: self._publish_marked(db, marker, list(records)))

    def _publish_marked(self, db: Database, marker: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """The marker is settled (deleted) once every one of its records' events is confirmed,
        else it stays for the relay, which publishes them all (again, with the same ids, for
        those confirmed)."""
        loud = [r for r in records if r["events"]]
        if not loud or len(self._publish(loud, lease_of=marker)) == len(loud):
            self.settler.put(db, [marker])

    def _publish(self, records: list[dict[str, Any]], lease_of: dict[str, Any] | None = None
                 ) -> list[dict[str, Any]]:
        """Publish what it can in time; returns the records whose events were all confirmed.

        All the records' events go out at once and are confirmed together: one round trip
        for a write of many records (a bulk create), not one per event. ``lease_of``: the
        outbox entry whose relay_after counts for all of them (a marker), else each its own."""
        if time.monotonic() < self._resting_until:
            return []  # the broker failed a moment ago: leave these to the relay
        # Too close to relay_after: the relay will publish it (and those after it), once.
        if lease_of is None:
            sendable = list(itertools.takewhile(self._in_time, records))
        else:
            sendable = records if self._in_time(lease_of) else []
        if not sendable:
            return []
        link, fresh = self._take()
        if link is None:
            return []
        acked: set[str] = set()
        try:
            try:
                answered = self._send(link, sendable, acked, lease_of)
            except TimeoutError:
                raise  # a slow broker: trying again would double the wait
            except Exception:
                if fresh:
                    raise
                # A kept-open connection may have died while idle (the broker restarted):
                # once more, on a new connection, before giving up.
                self._drop(link)
                link, fresh = self._take(new=True)
                if link is None:
                    return self._confirmed(sendable, acked)
                answered = self._send(link, [r for r in sendable if not self._all_in(r, acked)], acked, lease_of)
            if not answered:
                raise TimeoutError("the broker did not answer every publish in time")
        except Exception as exc:
            self._rest(exc)
            if link is not None:
                self._drop(link)
                link = None
        finally:
            if link is not None:
                self._give(link)
        return self._confirmed(sendable, acked)

    def _send(self, link: _Link, records: list[dict[str, Any]], acked: set[str],
              lease_of: dict[str, Any] | None) -> bool:
        # Answers for a large batch may take longer than one timeout in all, but the broker
        # may not stay silent for longer than one, and the wait ends at the first record's
        # relay_after (the relay may take it from then on).
        deadline = time.monotonic() + max(self._left(lease_of or records[0]), self.timeout)
        return link.confirms.publish([e for r in records for e in r["events"]], acked, idle=self.timeout,
                                     deadline=deadline)

    @staticmethod
    def _all_in(record: dict[str, Any], acked: set[str]) -> bool:
        return all(e["id"] in acked for e in record["events"])

    def _confirmed(self, records: list[dict[str, Any]], acked: set[str]) -> list[dict[str, Any]]:
        """The records whose every event the broker acked; the others (nacked, unanswered)
        stay in the outbox and the relay publishes them."""
        done = [r for r in records if self._all_in(r, acked)]
        for record in done:
            metrics.record_published(record["recorded_at"])
        return done

    def _in_time(self, record: dict[str, Any]) -> bool:
        return self._left(record) > self.lease.total_seconds() / 2

    def _left(self, record: dict[str, Any]) -> float:
        """Seconds until the relay may take the record."""
        after = record.get("relay_after")
        if after is None:
            return self.lease.total_seconds()
        if after.tzinfo is None:
            after = after.replace(tzinfo=timezone.utc)
        return (after - datetime.now(timezone.utc)).total_seconds()

    def _rest(self, exc: Exception) -> None:
        first = time.monotonic() >= self._resting_until
        self._resting_until = time.monotonic() + self.cooldown
        if first:  # one line per outage, not one per write
            log.warning("publish on commit failed; the relay will publish the pending events",
                        extra={"error": repr(exc)[:300], "retry_in_s": self.cooldown})

    # -- the pool ----------------------------------------------------------------
    def _take(self, new: bool = False) -> tuple[_Link | None, bool]:
        """An idle connection (reused) or a new one; (None, _) if none comes in time."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            if os.getpid() != self._pid:
                # A forked child shares the parent's sockets: forget them, never close them.
                self._idle, self._open, self._pid = [], 0, os.getpid()
            while True:
                if self._idle and not new:
                    return self._idle.pop(), False
                if self._open < self.pool_size:
                    self._open += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0 or not self._lock.wait(left):
                    return None, False
        try:
            return _Link(self.settings, self.timeout), True
        except Exception as exc:
            self._forget_one()
            self._rest(exc)
            return None, True

    def _give(self, link: _Link) -> None:
        with self._lock:
            if os.getpid() == self._pid:
                self._idle.append(link)
            self._lock.notify()

    def _drop(self, link: _Link) -> None:
        link.close()
        self._forget_one()

    def _forget_one(self) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)
            self._lock.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was handed over so far is published (or tried) and settled."""
        return self.lane.flush(timeout) and self.settler.flush(timeout)

    def close(self) -> None:
        self.lane.close()
        self.settler.close()
        with self._lock:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for link in idle:
            link.close()


def install(settings: Settings, db: Database) -> CommitPublisher | None:
    """Make writes to ``db`` in this process publish on commit (unless CRM_PUBLISH_ON_COMMIT is off).

    Called by the app factory and by the worker; returns the publisher (None when off)."""
    if settings.require("CRM_PUBLISH_ON_COMMIT").strip().lower() not in TRUE:
        store.after_commit(db, None)
        return None
    publisher = CommitPublisher(settings, timeout=float(settings.require("CRM_PUBLISH_TIMEOUT")),
                                lease=float(settings.require("CRM_PUBLISH_LEASE")))
    store.after_commit(db, publisher)
    return publisher
