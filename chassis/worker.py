"""A service's worker process: outbox relay, event consumer and periodic jobs.

Each runs in its own thread with its own connections; SIGTERM/SIGINT stop them
all. Services call ``run_worker`` from their ``worker.py``.
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping

from pymongo.database import Database

from . import db as dbmod, logs, metrics
from .config import Settings
from .events import publisher, topology
from .events.consumer import EventConsumer, Handler
from .events.relay import OutboxRelay
from .store import after_commit

log = logging.getLogger(__name__)


def _periodic(name: str, interval: float, job: Callable[[], object], stop: threading.Event,
              database: Database) -> None:
    while not stop.is_set():
        try:
            with dbmod.using(database):
                job()
        except Exception as exc:  # a failing job is retried next round, never kills the worker
            log.exception("periodic job failed", extra={"job": name, "error": repr(exc)[:300]})
        stop.wait(interval)


def run_worker(settings: Settings, handlers: Mapping[str, Handler] | None = None,
               periodic: dict[str, tuple[float, Callable[[], object]]] | None = None,
               stop: threading.Event | None = None) -> None:
    logs.configure(settings.service + "-worker", settings.log_level)
    database = dbmod.connect(settings)
    dbmod.ensure_chassis_indexes(database)
    topology.queue_arguments(settings)   # a bad CRM_QUEUE_TYPE stops the worker now, not each reconnect
    # Handlers and jobs write too: their events go out at once, like a request's.
    previous = after_commit(database, None)
    own = publisher.install(settings, database)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        metrics.serve_worker(settings)   # a process of its own, not a test's thread: serve /metrics
    threads = [threading.Thread(target=OutboxRelay(settings, database).run, args=(stop,), name="relay")]
    if handlers:
        threads.append(threading.Thread(target=EventConsumer(settings, database, handlers).run,
                                        args=(stop,), name="consumer"))
    for name, (interval, job) in (periodic or {}).items():
        threads.append(threading.Thread(target=_periodic, args=(name, interval, job, stop, database), name=name))
    for t in threads:
        t.daemon = True
        t.start()
    log.info("worker started", extra={"threads": [t.name for t in threads]})
    while not stop.is_set():
        stop.wait(1)
    for t in threads:
        t.join(timeout=10)
    if own is not None:
        own.close()
    after_commit(database, previous)  # an app in the same process (tests) keeps its own
    log.info("worker stopped")
