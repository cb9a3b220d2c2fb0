"""Metrics of the suite as it runs: every process under gunicorn (two worker processes each)
and every worker process, scraped over HTTP as Prometheus would.
"""
import os
import signal
import uuid
from pathlib import Path

import requests

from tests import support

WEB = ("gateway", "customer", "engagement", "feedback")
WORKERS = ("gateway-worker", "customer-worker", "engagement-worker", "feedback-worker")


def scrape(url: str) -> str:
    r = requests.get(url + "/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=")
    support.samples(r.text)   # the Prometheus parser accepts it
    return r.text


def test_every_web_process_and_every_worker_serves_metrics(suite):
    for name in WEB:
        assert support.sample(scrape(suite.url(name)), "crm_database_up") == 1, name
    for name in WORKERS:
        scrape(suite.url(name))
    # a worker that consumes shows its queue, connected
    text = scrape(suite.url("engagement-worker"))
    assert support.sample(text, "crm_consumer_connected", queue=f"{support.EXCHANGE}.engagement") == 1


def test_a_registration_shows_as_relay_lag_in_the_producer_and_as_processed_in_a_consumer(suite, manager):
    from tests.e2e.test_gateway_e2e import register
    lag = "crm_relay_publish_lag_seconds_count"
    consumed = dict(queue=f"{support.EXCHANGE}.engagement", event_type="customer.customer.registered",
                    outcome="processed")

    def published() -> float:
        # Published on commit by the customer service itself; by its worker's relay only as the safety net.
        return sum(support.sample(scrape(suite.url(name)), lag) or 0 for name in ("customer", "customer-worker"))
    before = published()
    processed = support.sample(scrape(suite.url("engagement-worker")), "crm_consumer_messages_total", **consumed)
    register(manager)
    support.wait_for(lambda: published() > before, what="the customer service to count the publish")
    support.wait_for(lambda: support.sample(scrape(suite.url("engagement-worker")), "crm_consumer_messages_total",
                                            **consumed) > processed, what="the engagement worker to count it")


def test_the_gateway_keeps_its_metrics_from_requests_that_came_through_a_proxy(suite):
    r = requests.get(suite.url("gateway") + "/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
    assert r.status_code == 404 and "crm_" not in r.text
    # and the pass-through has no route to a service's /metrics: only /api/v1/<prefix>/...
    r = requests.get(suite.url("gateway") + "/api/v1/metrics", timeout=10)
    assert r.status_code == 404 and "crm_" not in r.text


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def test_counts_add_up_across_gunicorns_worker_processes_and_survive_their_death(servers, tmp_path):
    """A gunicorn of its own (the shipped gunicorn.conf.py: two worker processes), so killing its
    workers disturbs no other test. Whichever process answers a scrape shows every process's
    counts, even those of processes that have since died."""
    own = support.Suite(tmp_path)
    own.start("feedback")
    try:
        own.wait_ready("feedback")
        master = own.procs["feedback"].pid
        workers = support.wait_for(lambda: len(_children(master)) == 2 and _children(master),
                                   what="gunicorn's two worker processes")
        route = "/api/v1/feedback/complaints/<complaint_id>"
        n = 40
        for _ in range(n):   # each on a new connection, so both worker processes take some
            r = requests.get(f"{own.url('feedback')}/api/v1/feedback/complaints/{uuid.uuid4().hex}",
                             headers={"Connection": "close"}, timeout=10)
            assert r.status_code == 401
        labels = dict(method="GET", route=route, status="401")
        assert support.sample(scrape(own.url("feedback")), "crm_http_requests_total", **labels) == n
        assert support.sample(scrape(own.url("feedback")), "crm_http_request_duration_seconds_count", **labels) == n

        for pid in workers:     # gunicorn starts new ones, which have counted nothing
            os.kill(pid, signal.SIGKILL)
        support.wait_for(lambda: len(_children(master)) == 2 and not (_children(master) & workers),
                         what="two new worker processes")
        own.wait_ready("feedback")
        assert support.sample(scrape(own.url("feedback")), "crm_http_requests_total", **labels) == n
    finally:
        own.stop_all()
