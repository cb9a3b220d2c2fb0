"""One thread per process working through a queue, behind the code that fills it.

The outbox settler and the publish lane both need one: started at first use, and again in
a forked child (threads do not survive a fork, and a parent's queue is the parent's to
work through), flushed at a normal exit (``atexit``; gunicorn workers exit through it).
Nothing queued here is the only copy of anything: a process that dies with work queued
leaves its records in the outbox, for the relay.
"""
from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any


class QueueThread:
    """Subclasses say what one turn takes from the queue (``_take``, under the lock) and
    what it does with it (``_work``, outside the lock; it must not raise)."""

    def __init__(self, name: str):
        self.name = name
        self._cond = threading.Condition()
        self._queue: list[Any] = []
        self._busy = 0
        self._pid = -1           # the process whose thread runs; -1: none (not started, or closed)
        atexit.register(self.close)

    def _enqueue(self, items: Iterable[Any], room: Callable[[], bool] | None = None) -> None:
        """Queue ``items``, first waiting until ``room()`` holds (back-pressure)."""
        with self._cond:
            if self._pid != os.getpid():
                self._pid, self._queue, self._busy = os.getpid(), [], 0
                threading.Thread(target=self._run, name=self.name, daemon=True).start()
            if room is not None:
                self._cond.wait_for(room)
            self._queue.extend(items)
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far was worked through; True if it was in time."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        """Work through what is queued and stop the thread (a later put starts another)."""
        if self._pid == os.getpid():
            self.flush()
        with self._cond:
            self._pid = -1
            self._cond.notify_all()

    def _pause(self) -> None:
        """Called once something is queued, before a turn takes it (outside the lock)."""

    def _take(self) -> list[Any]:
        raise NotImplementedError

    def _work(self, items: list[Any]) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        me = os.getpid()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._pid != me)
                if self._pid != me:
                    return
            self._pause()
            with self._cond:
                items = self._take()
                self._busy += 1
                self._cond.notify_all()    # room for a writer waiting on back-pressure
            try:
                self._work(items)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()
