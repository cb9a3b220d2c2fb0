"""Prometheus metrics: the one catalogue, and how web processes and workers serve it.

Web processes run under gunicorn with several worker processes. gunicorn.conf.py gives
each gunicorn run a fresh ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts, so
prometheus_client writes every process's samples to files there and ``/metrics`` adds
them up, whichever process answers the scrape (counts survive a worker's restart; the
``child_exit`` hook drops a dead worker's live gauges). Without that variable (tests in
one process, a worker) the samples live in the process, as usual.

A service's worker (relay, consumer, jobs) is one process of its own, often on another
host or container than its web process, so it cannot share that directory: it serves
its own samples on ``CRM_WORKER_METRICS_ADDR`` (prometheus_client's small HTTP server).

Labels never hold ids: requests are labelled by their route *template* (Flask's url
rule), queues by name, event types from the catalogue. docs/operations.md explains every
metric here, and a test keeps the two (and the alert rules) in step.

/metrics is for the scraper on the internal network only: the gateway does not route to
the services' /metrics, nginx refuses it at the edge, and any request that came through
a proxy (it carries X-Forwarded-For or Forwarded) is answered 404.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import pymongo
from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pymongo.database import Database

from .config import Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Paths that are not traffic: the scraper's and the orchestrator's own calls.
UNCOUNTED = ("/metrics", "/healthz", "/readyz")
UNMATCHED = "<unmatched>"   # the route label of a request no route took (404/405 from routing)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

# --- web processes (every service and the gateway) -----------------------------------------
HTTP_REQUESTS = Counter("crm_http_requests", "HTTP requests answered, by method, route template and status",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("crm_http_request_duration_seconds",
                          "Time to answer an HTTP request (until the handler returned), by route template",
                          ["method", "route", "status"])
# The gateway's calls to the services: pass-through and composed-view fan-out.
UPSTREAM_REQUESTS = Counter("crm_upstream_requests", "Gateway calls to a service, by outcome: "
                            "ok (any answer below 500), error (5xx), timeout, unavailable (no connection)",
                            ["service", "outcome"])
UPSTREAM_DURATION = Histogram("crm_upstream_request_duration_seconds",
                              "Gateway call to a service, until its answer's head arrived", ["service"])

# --- workers ---------------------------------------------------------------------------------
RELAY_LAG = Histogram("crm_relay_publish_lag_seconds",
                      "From a change being recorded to its events being confirmed by the broker",
                      buckets=LAG_BUCKETS)
RELAY_ERRORS = Counter("crm_relay_errors", "Relay rounds that failed (broker or database away); records wait")
CONSUMER_MESSAGES = Counter("crm_consumer_messages", "Messages a consumer settled, by outcome: processed, "
                            "duplicate (already processed), retried, dead_lettered",
                            ["queue", "event_type", "outcome"])
CONSUMER_LAG = Histogram("crm_consumer_lag_seconds",
                         "From an event occurring to its handler having stored the effect",
                         ["queue"], buckets=LAG_BUCKETS)
CONSUMER_CONNECTED = Gauge("crm_consumer_connected", "1 while the consumer is connected to its queue",
                           ["queue"], multiprocess_mode="liveall")
QUEUE_MESSAGES = Gauge("crm_queue_messages", "Messages ready in a queue (main, retry, dead), as the consumer "
                       "last saw it (every few seconds while connected)", ["queue"], multiprocess_mode="liveall")
QUEUE_CONSUMERS = Gauge("crm_queue_consumers", "Consumers attached to a service's main queue (all replicas)",
                        ["queue"], multiprocess_mode="liveall")

# --- read at scrape time from the database (OutboxCollector) --------------------------------
OUTBOX_PENDING = "crm_outbox_pending"
OUTBOX_AGE = "crm_outbox_oldest_age_seconds"
DATABASE_UP = "crm_database_up"
SCRAPED = {
    OUTBOX_PENDING: "Change records (a bulk write's marker counts once) waiting in the outbox for their events "
                    "to be published",
    OUTBOX_AGE: "Age of the oldest change record waiting in the outbox (0 when it is empty)",
    DATABASE_UP: "1 when the outbox could be read at scrape time, 0 when the database did not answer",
}


_FAMILIES = (HTTP_REQUESTS, HTTP_DURATION, UPSTREAM_REQUESTS, UPSTREAM_DURATION, RELAY_LAG, RELAY_ERRORS,
             CONSUMER_MESSAGES, CONSUMER_LAG, CONSUMER_CONNECTED, QUEUE_MESSAGES, QUEUE_CONSUMERS)


def catalogue() -> dict[str, tuple[str, str]]:
    """Every metric family this suite exposes: name → (type, help). docs/operations.md and the
    alert rules are checked against it."""
    out = {f.name: (f.type, f.documentation) for m in _FAMILIES for f in m.describe()}
    return {**out, **{name: ("gauge", text) for name, text in SCRAPED.items()}}


def sample_names(family: str, kind: str) -> set[str]:
    """The series names a family shows in the exposition (counters end in _total, histograms have three)."""
    if kind == "counter":
        return {family + "_total"}
    if kind == "histogram":
        return {family + s for s in ("_bucket", "_sum", "_count")}
    return {family}


# --- recording (thin calls from the code that knows) -----------------------------------------

def record_published(recorded_at: datetime) -> None:
    """The relay confirmed a change record's events (lag from when the change was recorded)."""
    RELAY_LAG.observe(max(0.0, _age(recorded_at)))


def record_relay_error() -> None:
    RELAY_ERRORS.inc()


def record_consumed(queue: str, event_type: str, outcome: str, occurred_at: str | None = None) -> None:
    CONSUMER_MESSAGES.labels(queue, event_type, outcome).inc()
    if outcome == "processed" and occurred_at:
        try:
            CONSUMER_LAG.labels(queue).observe(max(0.0, _age(datetime.fromisoformat(occurred_at))))
        except ValueError:
            pass   # not a timestamp: the message says nothing about lag


def record_upstream(service: str, outcome: str, started: float) -> None:
    UPSTREAM_REQUESTS.labels(service, outcome).inc()
    UPSTREAM_DURATION.labels(service).observe(time.perf_counter() - started)


def _age(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - at).total_seconds()


# --- scrape-time collectors ---------------------------------------------------------------------

class OutboxCollector(Collector):
    """Outbox backlog and age, read when scraped: one count and one indexed-order lookup of a small
    collection (pending records only), bounded by a short timeout so a database that is away
    makes the scrape answer ``crm_database_up 0`` instead of hanging."""

    def __init__(self, database: Callable[[], Database], timeout_s: float = 2.0):
        self._database = database
        self._timeout = timeout_s

    def collect(self) -> Iterator[Metric]:
        from .store import OUTBOX  # the store imports the event bus; not needed until a scrape
        up = GaugeMetricFamily(DATABASE_UP, SCRAPED[DATABASE_UP])
        try:
            with pymongo.timeout(self._timeout):
                outbox = self._database()[OUTBOX]
                pending = outbox.count_documents({})
                oldest = next(iter(outbox.find({}, {"recorded_at": 1}).sort([("recorded_at", 1)]).limit(1)), None)
        except Exception as exc:
            log.warning("metrics: outbox unreadable", extra={"error": exc.__class__.__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(OUTBOX_PENDING, SCRAPED[OUTBOX_PENDING], value=pending)
        age = _age(oldest["recorded_at"]) if oldest and oldest.get("recorded_at") else 0.0
        yield GaugeMetricFamily(OUTBOX_AGE, SCRAPED[OUTBOX_AGE], value=max(0.0, age))


class _Process(Collector):
    """This process's own samples (the default registry), for a scrape registry of its own."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """What one scrape shows: every process's samples under gunicorn, else this process's; plus ``extra``."""
    reg = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(reg)
    else:
        reg.register(_Process())
    for collector in extra:
        reg.register(collector)
    return reg


# --- web processes ---------------------------------------------------------------------------------

def _forwarded() -> bool:
    return "X-Forwarded-For" in request.headers or "Forwarded" in request.headers


def install(app: Flask, database: Callable[[], Database] | None) -> None:
    """Count every request by route template and status, and serve /metrics (with the outbox
    figures of ``database`` when given)."""
    extra = [OutboxCollector(database)] if database is not None else []

    @app.before_request
    def _start() -> None:
        g.metrics_start = time.perf_counter()

    @app.after_request
    def _count(resp: Response) -> Response:
        if request.path not in UNCOUNTED:
            # The url rule, never the path: paths carry ids. An app may name a finer template
            # (the gateway's pass-through names the public prefix it forwards).
            rule = request.url_rule
            route = g.get("metrics_route") or (rule.rule if rule is not None else UNMATCHED)
            method = request.method if request.method in METHODS else "other"
            status = str(resp.status_code)
            HTTP_REQUESTS.labels(method, route, status).inc()
            HTTP_DURATION.labels(method, route, status).observe(
                time.perf_counter() - g.get("metrics_start", time.perf_counter()))
        return resp

    @app.get("/metrics")
    def metrics() -> Response:
        if _forwarded():
            # Came through a proxy, so possibly from the internet: not for it.
            return Response("Not found\n", status=404, mimetype="text/plain")
        return Response(generate_latest(registry(extra)), content_type=CONTENT_TYPE_LATEST)


# --- workers -----------------------------------------------------------------------------------------

def parse_addr(value: str) -> tuple[str, int] | None:
    """``host:port`` (or ``port``) → (host, port); ``off`` → None."""
    if value.strip().lower() == "off":
        return None
    host, _, port = value.strip().rpartition(":")
    return (host.strip("[]") or "0.0.0.0", int(port))


def serve_worker(settings: Settings) -> Any:
    """Serve this worker's metrics on CRM_WORKER_METRICS_ADDR; returns the server, or None.

    A port that is taken is logged and the worker runs on without metrics: relaying and
    consuming matter more than being watched (the missing target shows as `up == 0`)."""
    addr = parse_addr(settings.require("CRM_WORKER_METRICS_ADDR"))
    if addr is None:
        return None
    try:
        server, _thread = start_http_server(addr[1], addr=addr[0], registry=registry())
    except OSError as exc:
        log.error("worker metrics not served", extra={"addr": f"{addr[0]}:{addr[1]}", "error": repr(exc)[:200]})
        return None
    log.info("worker metrics served", extra={"addr": f"{addr[0]}:{server.server_port}"})   # port 0: any
    return server

