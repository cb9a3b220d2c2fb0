"""Publishing a bulk write's events behind its writer, one write at a time.

A bulk creation (an import batch) needs its events out soon, not before its writer
goes on: while the broker confirms batch k, the writer can already insert batch k+1.
A lane is one thread per process that runs the queued publishes in order. It holds at
most ``depth`` writes waiting: a writer that gets further ahead waits for it, so the
records never wait in memory long enough for their lease to run out (the publisher
leaves records too close to ``relay_after`` to the relay anyway).

Nothing is lost if the process dies with writes queued here: their records are in the
outbox (or named by its marker), and the relay publishes them after ``relay_after``.
A normal exit runs what is queued first (``atexit``).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class Lane:
    def __init__(self, depth: int = 1):
        self.depth = depth
        self._cond = threading.Condition()
        self._queue: deque[Callable[[], None]] = deque()
        self._busy = False
        self._pid = -1           # the process whose thread runs; -1: none (not started, or closed)
        atexit.register(self.close)

    def put(self, work: Callable[[], None]) -> None:
        """Queue ``work`` (it must not raise); waits while ``depth`` writes are queued already."""
        with self._cond:
            if self._pid != os.getpid():
                # First use, or a forked child: threads do not survive a fork.
                self._pid, self._queue, self._busy = os.getpid(), deque(), False
                threading.Thread(target=self._run, name="publish-lane", daemon=True).start()
            self._cond.wait_for(lambda: len(self._queue) < self.depth)
            self._queue.append(work)
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far has run; True if it was in time."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
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
                work = self._queue.popleft()
                self._busy = True
                self._cond.notify_all()
            try:
                work()
            except Exception as exc:  # the records stay pending: the relay publishes them
                log.warning("publishing behind the writer failed; the relay will publish",
                            extra={"error": repr(exc)[:300]})
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
