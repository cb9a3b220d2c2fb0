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

import logging
from collections.abc import Callable

from .background import QueueThread

log = logging.getLogger(__name__)


class Lane(QueueThread):
    def __init__(self, depth: int = 1):
        super().__init__("publish-lane")
        self.depth = depth

    def put(self, work: Callable[[], None]) -> None:
        """Queue ``work`` (it must not raise); waits while ``depth`` writes are queued already."""
        self._enqueue([work], room=lambda: len(self._queue) < self.depth)

    def _take(self) -> list[Callable[[], None]]:
        return [self._queue.pop(0)]

    def _work(self, items: list[Callable[[], None]]) -> None:
        try:
            items[0]()
        except Exception as exc:  # the records stay pending: the relay publishes them
            log.warning("publishing behind the writer failed; the relay will publish",
                        extra={"error": repr(exc)[:300]})
