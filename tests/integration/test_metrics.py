"""Metrics on the real servers, in-process: /metrics and its labels, the outbox figures, the
consumer's retries and dead letters as its worker serves them, quorum queues.

The same under gunicorn's several processes is tests/e2e/test_metrics_e2e.py.
"""
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pika
import pytest
import requests
from marshmallow import fields

from chassis import db as dbmod, metrics
from chassis.config import ConfigError, load_settings
from chassis.events import consumer as consumer_mod, topology
from chassis.events.consumer import EventConsumer
from chassis.events.envelope import EventData, EventType
from chassis.store import OUTBOX
from tests import support


def _scrape(app, **headers) -> str:
    r = app.test_client().get("/metrics", headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=")
    return r.get_data(as_text=True)


def test_metrics_answer_in_the_prometheus_text_format(engagement_app):
    text = _scrape(engagement_app)
    families = {name for name, _ in support.samples(text)}   # parses, or the test fails
    assert {"crm_database_up", "crm_outbox_pending", "crm_outbox_oldest_age_seconds"} <= families
    assert support.sample(text, "crm_database_up") == 1


def test_a_request_is_counted_under_its_route_template_never_its_path(customer_app):
    cid = uuid.uuid4().hex
    route = "/api/v1/customers/<customer_id:customer_id>"
    before = support.sample(_scrape(customer_app), "crm_http_requests_total", method="GET", route=route, status="404")
    client = customer_app.test_client()
    for _ in range(3):
        assert client.get(f"/api/v1/customers/{cid}", headers=support.as_user()).status_code == 404
    client.get(f"/no/such/{cid}")
    text = _scrape(customer_app)
    assert support.sample(text, "crm_http_requests_total", method="GET", route=route, status="404") == before + 3
    assert support.sample(text, "crm_http_request_duration_seconds_count",
                          method="GET", route=route, status="404") >= 3
    assert support.sample(text, "crm_http_requests_total", method="GET", route="<unmatched>", status="404") >= 1
    assert cid not in text            # no id in any label
    # the scrapes themselves are not traffic
    assert not any(dict(labels).get("route") == "/metrics" for _, labels in support.samples(text))


def test_metrics_are_not_for_requests_that_came_through_a_proxy(customer_app):
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        r = customer_app.test_client().get("/metrics", headers=header)
        assert r.status_code == 404 and b"crm_" not in r.data


def test_the_outbox_backlog_and_age_reflect_pending_records(customer_app):
    # Writes publish on commit and settle at once, so pending records are made by hand:
    # what a writer that died before publishing leaves for the relay. Other tests' records
    # come and go meanwhile, so the figures are read as at least these, and as old as these.
    outbox = support.db("customer")[OUTBOX]
    ids = [f"probe:{uuid.uuid4().hex}:1" for _ in range(3)]
    outbox.insert_many([{"_id": i, "recorded_at": datetime.now(timezone.utc) - timedelta(hours=1),
                         "status": "pending", "events": []} for i in ids])
    text = _scrape(customer_app)
    assert support.sample(text, "crm_outbox_pending") >= 3
    assert support.sample(text, "crm_outbox_oldest_age_seconds") >= 3599
    outbox.delete_many({"_id": {"$in": ids}})   # the relay's work, done by hand
    assert support.sample(_scrape(customer_app), "crm_outbox_oldest_age_seconds") < 3599


def test_a_database_that_does_not_answer_is_database_up_0_and_the_scrape_still_answers():
    dead = metrics.OutboxCollector(lambda: __import__("pymongo").MongoClient(
        f"mongodb://127.0.0.1:{support.free_port(1)}", serverSelectionTimeoutMS=300)["x"], timeout_s=0.5)
    reg = metrics.registry([dead])
    assert reg.get_sample_value("crm_database_up") == 0
    assert reg.get_sample_value("crm_outbox_pending") is None


# --- the consumer's retries and dead letters, as its worker's /metrics shows them -------------

class _Data(EventData):
    name = fields.String(required=True)


FAILS = EventType("mprobe.thing.failed", 1, "mprobe", "its handler always fails", _Data)
WORKS = EventType("mprobe.thing.worked", 1, "mprobe", "its handler works", _Data)


def _publish(envelope: dict):
    conn = pika.BlockingConnection(support.pika_params())
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish(support.EXCHANGE, envelope["type"], json.dumps(envelope),
                     pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()


@pytest.fixture
def failing_consumer(monkeypatch):
    monkeypatch.setattr(consumer_mod, "DEPTH_EVERY", 0.2)
    service = "mprobe" + uuid.uuid4().hex[:6]
    settings = load_settings(service, **support.overrides(max_delivery_attempts=3, extra={
        "CRM_WORKER_METRICS_ADDR": "127.0.0.1:0"}))   # any free port
    database = dbmod.connect(settings)

    def fails(_env):
        raise RuntimeError("this handler always fails")

    c = EventConsumer(settings, database, {FAILS.name: fails, WORKS.name: lambda _env: None},
                      event_types={e.name: e for e in (FAILS, WORKS)})   # probes stay out of the catalogue
    server = metrics.serve_worker(settings)
    port = server.server_port
    stop = threading.Event()
    t = threading.Thread(target=c.run, args=(stop,), daemon=True)
    t.start()
    url = f"http://127.0.0.1:{port}/metrics"
    support.wait_for(lambda: support.sample(requests.get(url, timeout=2).text, "crm_consumer_connected",
                                            queue=settings.queue) == 1, what="the consumer to connect")
    yield settings, url
    stop.set()
    t.join(10)
    server.shutdown()
    conn = pika.BlockingConnection(support.pika_params())
    for name in (settings.queue, topology.retry_name(settings), topology.dead_name(settings)):
        conn.channel().queue_delete(name)
    conn.close()
    support.mongo().drop_database(settings.db_name)


def test_a_failing_handler_moves_the_retry_and_dead_letter_counters_and_the_dead_queue_depth(failing_consumer):
    settings, url = failing_consumer
    q = settings.queue

    def scrape():
        return requests.get(url, timeout=2).text

    _publish(WORKS.new("s-1", {"name": "fine"}).to_dict())
    _publish(FAILS.new("s-2", {"name": "doomed"}).to_dict())
    # attempts 1 and 2 go to the retry queue, the 3rd (max_delivery_attempts) to the dead letters
    text = support.wait_for(lambda: (t := scrape()) and support.sample(
        t, "crm_consumer_messages_total", queue=q, event_type=FAILS.name, outcome="dead_lettered") == 1 and t,
        timeout=20, what="the dead letter to be counted")
    assert support.sample(text, "crm_consumer_messages_total", queue=q, event_type=FAILS.name,
                          outcome="retried") == 2
    assert support.sample(text, "crm_consumer_messages_total", queue=q, event_type=WORKS.name,
                          outcome="processed") == 1
    assert support.sample(text, "crm_consumer_lag_seconds_count", queue=q) == 1
    support.wait_for(lambda: support.sample(scrape(), "crm_queue_messages", queue=topology.dead_name(settings)) == 1,
                     what="the dead-letter queue's depth to show the message")
    text = scrape()
    assert support.sample(text, "crm_queue_messages", queue=q) == 0
    assert support.sample(text, "crm_queue_consumers", queue=q) == 1

    # malformed: straight to the dead letters, under a label the message did not choose
    conn = pika.BlockingConnection(support.pika_params())
    conn.channel().basic_publish(support.EXCHANGE, WORKS.name, b"not json at all")
    conn.close()
    support.wait_for(lambda: support.sample(scrape(), "crm_consumer_messages_total", queue=q,
                                            event_type="malformed", outcome="dead_lettered") == 1,
                     what="the malformed message to be counted")
    support.wait_for(lambda: support.sample(scrape(), "crm_queue_messages", queue=topology.dead_name(settings)) == 2,
                     what="the dead-letter queue to hold both")


# --- queue type -------------------------------------------------------------------------------

def _declared(name: str, arguments: dict) -> bool:
    """Redeclare ``name`` with these arguments: True when the broker finds them equivalent."""
    conn = pika.BlockingConnection(support.pika_params())
    try:
        conn.channel().queue_declare(name, durable=True, arguments=arguments)
        return True
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 406, exc   # PRECONDITION_FAILED: inequivalent arguments
        return False
    finally:
        if conn.is_open:
            conn.close()


def test_queues_are_declared_as_quorum_queues_when_asked():
    exchange = f"t{support.RUN_ID}q{uuid.uuid4().hex[:6]}.events"
    settings = load_settings("quorumprobe", **support.overrides(exchange=exchange,
                                                                extra={"CRM_QUEUE_TYPE": "quorum"}))
    names = [settings.queue, topology.retry_name(settings), topology.dead_name(settings),
             topology.unrouted_name(settings)]
    from kombu import Connection
    try:
        with Connection(settings.amqp_url) as conn:
            topology.declare_consumer(conn.channel(), settings, ["probe.thing.happened"])
        for name in names:
            # the broker holds them as quorum queues: it refuses them as anything else
            assert not _declared(name, {"x-queue-type": "classic"}), name
        assert _declared(settings.queue, {"x-queue-type": "quorum"})
        # and a quorum retry queue still sends messages back after their delay (TTL + dead-lettering)
        conn = pika.BlockingConnection(support.pika_params())
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish("", topology.retry_name(settings), b"{}", pika.BasicProperties(delivery_mode=2))
        support.wait_for(lambda: ch.basic_get(settings.queue, auto_ack=True)[0] is not None,
                         what="the retried message back in the main queue")
        conn.close()
    finally:
        conn = pika.BlockingConnection(support.pika_params())
        for name in names:
            conn.channel().queue_delete(name)
        ch = conn.channel()
        ch.exchange_delete(exchange)
        ch.exchange_delete(topology.unrouted_name(settings))
        conn.close()


def test_classic_declares_no_queue_type_and_anything_else_is_refused():
    classic = load_settings("probe", **support.overrides(extra={"CRM_QUEUE_TYPE": "classic"}))
    assert topology.main_queue(classic, ["a.b"]).queue_arguments in (None, {})
    with pytest.raises(ConfigError, match="CRM_QUEUE_TYPE"):
        topology.queue_arguments(classic.with_(extra={"CRM_QUEUE_TYPE": "mirrored"}))
