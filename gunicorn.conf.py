"""gunicorn settings of every web process, wherever it runs: `make run` (Procfile), the
tests (tests/support.py), docker compose and the benchmarks (which start the tests' suite),
so what is benchmarked and tested is what ships. Command lines add only -b and the app.

Why gthread: a sync worker reads a request in its only thread, so two sync workers were
stopped by a few mobile clients sending their headers slowly (issue #9). gthread keeps
connections that have sent nothing, and kept-alive ones, in the worker's poller without a
thread (gunicorn 27), and reads each request in a thread of a pool: a client stalling in
the middle of its request holds one of `threads`, not the process. The code is already
thread-safe (pymongo, urllib3 pools, the gateway's fan-out pool) and nothing is
monkey-patched, unlike gevent/eventlet. In compose, nginx in front buffers whole requests
and answers, so gunicorn never meets a slow client there; elsewhere these settings do.

Metrics: every worker process counts its own requests, and a scrape reaches one of them, so
prometheus_client's multiprocess mode keeps the samples in files of one directory that
/metrics adds up (chassis/metrics.py). The directory is made when gunicorn starts (on_starting,
before any worker imports prometheus_client), fresh for each run: a directory shared by two
runs or two services would add up their counts. It is removed when gunicorn exits.
"""

import os
import shutil
import tempfile

worker_class = "gthread"
workers = 2                 # per process; the suite runs four web processes on 2 cores
threads = 32                # 64 requests at once per process, slow clients included
worker_connections = 1000   # open connections per worker (idle and kept-alive ones cost no thread)
keepalive = 5               # seconds an idle kept-alive connection stays open; above nginx's
                            # 4 s upstream keepalive_timeout
timeout = 30                # a worker whose main loop is silent this long is restarted
graceful_timeout = 8        # on stop, time to finish requests; under compose's 10 s stop_grace_period
# Request head limits (gunicorn's defaults, stated): 400 beyond them, before the app runs.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# No access log: query strings may carry a mobile or ID number being searched; the chassis
# logs every request by path only.
accesslog = None
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), which
# the four web processes of one machine would fight over; nothing here uses it.
control_socket_disable = True
# gunicorn's own messages (worker boot, crash tracebacks) go through the chassis handler:
# JSON lines, redacted like every other log line.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"json": {"()": "chassis.logs.json_handler", "service": "gunicorn"}},
    "root": {"handlers": ["json"], "level": "INFO"},
    "loggers": {"gunicorn.error": {"handlers": ["json"], "level": "INFO", "propagate": False}},
}


def on_starting(server):
    # Whatever the environment held is replaced: only this run's processes write here.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="crm-metrics-")


def child_exit(server, worker):
    # A dead worker's live gauges leave the sums; its counts stay (they happened).
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or "/nonexistent", ignore_errors=True)
