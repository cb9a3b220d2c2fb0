"""Publish on commit: a write's events leave the process as soon as the write is stored.

The store calls a ``CommitPublisher`` (its ``AfterCommit`` hook) with the change
records of every write that succeeded; it publishes their events with publisher
confirms on a kept-open connection, then settles the records exactly as the relay
does (``history.to_history``). Order of operations for one write:

1. change record inserted into the outbox, with ``relay_after = now + lease``;
2. aggregate document written;
3. events published, each confirmed by the broker (this module), before the
   write's caller gets its answer;
4. record moved to history, in a batch, off the request's path (``settler.py``).

A crash after 1 or 2 leaves the record pending; the relay takes it after
``relay_after`` (repairing the document if 2 was missed). The publisher never
starts publishing a record once half its lease is gone, so in normal operation a
record is published by its writer or by the relay, never both.

The write path stays fast and safe whatever the broker does:
* connections are pooled per process (gunicorn gthread workers run many threads;
  a kombu channel is not thread-safe, so a thread takes a connection, uses it alone
  and gives it back), and forgotten, never closed, after a fork;
* connecting and every confirm are bounded by ``CRM_PUBLISH_TIMEOUT``; on any
  failure the connection is dropped, the records stay for the relay, and the
  publisher stops trying for ``cooldown`` seconds, so a broker that is down or
  hanging costs the writes at most one timeout, not one each;
* nothing here raises into the write: the write has already succeeded.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from kombu import Connection, Producer
from pymongo.database import Database

from .. import metrics, store
from ..config import Settings
from . import topology
from .settler import Settler
from .wire import connection, publish

log = logging.getLogger(__name__)

TRUE = ("1", "true", "yes", "on")


class _Link:
    """One broker connection with a confirming producer, used by one thread at a time."""

    def __init__(self, settings: Settings, timeout: float):
        self.conn: Connection = connection(settings, timeout)
        # One attempt, no sleeping between retries (connect() would wait 2 s and try again).
        self.conn.ensure_connection(max_retries=0, interval_start=0)
        channel = self.conn.channel()
        topology.declare_exchange(channel, settings)
        self.producer = Producer(channel)

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

    def _count(self, n: int) -> None:
        self.published += n

    # -- the hook ----------------------------------------------------------------
    def __call__(self, db: Database, records: Sequence[dict[str, Any]]) -> None:
        quiet = [r for r in records if not r["events"]]   # nothing to publish: settle at once
        loud = [r for r in records if r["events"]]
        done = self._publish(loud) if loud else []
        self.settler.put(db, quiet + done)

    def _publish(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Publish what it can in time; returns the records whose events were all confirmed."""
        if time.monotonic() < self._resting_until:
            return []  # the broker failed a moment ago: leave these to the relay
        done: list[dict[str, Any]] = []
        link, fresh = self._take()
        if link is None:
            return done
        try:
            for record in records:
                if not self._in_time(record):
                    break  # too close to relay_after: the relay will publish it, once
                try:
                    self._send(link, record)
                except TimeoutError:
                    raise  # a slow broker: trying again would double the wait
                except Exception:
                    if fresh:
                        raise
                    # A kept-open connection may have died while idle (the broker
                    # restarted): once more, on a new connection, before giving up.
                    self._drop(link)
                    link, fresh = self._take(new=True)
                    if link is None:
                        return done
                    self._send(link, record)
                done.append(record)
        except Exception as exc:
            self._rest(exc)
            if link is not None:
                self._drop(link)
                link = None
        finally:
            if link is not None:
                self._give(link)
        return done

    def _send(self, link: _Link, record: dict[str, Any]) -> None:
        for envelope in record["events"]:
            publish(link.producer, self.settings, envelope, confirm_timeout=self.timeout, retry=False)
        metrics.record_published(record["recorded_at"])

    def _in_time(self, record: dict[str, Any]) -> bool:
        after = record.get("relay_after")
        if after is None:
            return True
        if after.tzinfo is None:
            after = after.replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc) < after - self.lease / 2

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

    def close(self) -> None:
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
