"""The chassis against the real FerretDB and RabbitMQ: outbox, relay, consumer, faults.

A probe aggregate and probe events stand in for a service, so these tests pin
the chassis's guarantees independently of any service's domain code.
"""
import json
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pika
import pytest
from marshmallow import fields
from mongoengine import StringField

from chassis import db as dbmod, identity as ident
from chassis.config import load_settings
from chassis.events.consumer import EventConsumer
from chassis.events.envelope import EventData, EventType
from chassis.events.relay import OutboxRelay
from chassis.exceptions import DomainError  # the store raises domain exceptions, HTTP-free
from chassis.models import Aggregate
from chassis.store import CHANGES, OUTBOX, AggregateStore
from tests import support


class Probe(Aggregate):
    name = StringField(required=True)
    key = StringField(required=True)
    meta = {"db_alias": "probe", "collection": "probes",
            "indexes": [{"fields": ["key"], "unique": True, "name": "uniq_key"}]}


class _Data(EventData):
    name = fields.String(required=True)


HAPPENED = EventType("probe.thing.happened", 1, "probe", "test event", _Data)
BAD = EventType("probe.thing.poisoned", 1, "probe", "always fails", _Data)
FLAKY = EventType("probe.thing.flaked", 1, "probe", "fails until mended", _Data)
CHAIN = EventType("probe.thing.chained", 1, "probe", "causes a change with its own event", _Data)
# Kept out of the global catalogue (docs/events.md is rendered from it): the consumer is told.
PROBE_EVENTS = {et.name: et for et in (HAPPENED, BAD, FLAKY, CHAIN)}
ACTOR = ident.system("probe")


@pytest.fixture(scope="module")
def settings():
    s = load_settings("probe", **support.overrides(max_delivery_attempts=3))
    dbmod.connect(s)
    return s


@pytest.fixture(scope="module")
def store(settings):
    return AggregateStore(Probe, "probe")


@pytest.fixture
def relay(settings):
    return OutboxRelay(settings, dbmod.database("probe"), grace_seconds=0.5)


def _new(store, name=None):
    name = name or f"p-{uuid.uuid4().hex[:8]}"
    pid = str(uuid.uuid4())
    doc = Probe(id=pid, name=name, key=f"k-{pid}")
    store.create(doc, ACTOR, [HAPPENED.new(pid, {"name": name})])
    return doc


def _drain(relay, rounds=20):
    total = 0
    for _ in range(rounds):
        n = relay.run_once()
        total += n
        if n == 0:
            break
    return total


def test_relay_publishes_pending_events_and_marks_them(store, relay):
    tap = support.ExchangeTap("probe.thing.happened")
    try:
        doc = _new(store)
        rec = dbmod.database("probe")[OUTBOX].find_one({"_id": f"probe:{doc.id}:1"})
        assert rec["status"] == "pending" and rec["events"][0]["subject_version"] == 1
        _drain(relay)
        (_, props, env), = tap.wait(lambda e: e["subject"] == doc.id)
        assert env["data"] == {"name": doc.name} and props.delivery_mode == 2
        assert dbmod.database("probe")[OUTBOX].find_one({"_id": rec["_id"]}) is None
        assert dbmod.database("probe")[CHANGES].find_one({"_id": rec["_id"]})["status"] == "published"
    finally:
        tap.close()


def test_concurrent_updates_of_one_document_have_exactly_one_winner(store):
    doc = _new(store)
    results, barrier = [], threading.Barrier(12)

    def rename(i):
        barrier.wait()
        try:
            store.update(doc.id, 1, lambda d: setattr(d, "name", f"n{i}") or [], ACTOR)
            results.append(("ok", i))
        except DomainError as p:
            results.append((p.status, i))

    threads = [threading.Thread(target=rename, args=(i,)) for i in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    winners = [i for r, i in results if r == "ok"]
    assert len(winners) == 1 and sorted(r for r, _ in results if r != "ok") == [412] * 11
    final = store.get(doc.id)
    assert final.version == 2 and final.name == f"n{winners[0]}"
    assert [h["version"] for h in store.history(doc.id)] == [2, 1]


def test_a_stale_version_is_refused_and_changes_nothing(store):
    doc = _new(store)
    store.update(doc.id, 1, lambda d: setattr(d, "name", "second") or [], ACTOR)
    with pytest.raises(DomainError) as e:
        store.update(doc.id, 1, lambda d: setattr(d, "name", "stale") or [], ACTOR)
    assert e.value.status == 412
    assert store.get(doc.id).name == "second"


def test_a_late_writer_whose_version_is_already_history_loses(store, relay):
    doc = _new(store)
    stale = store.get(doc.id)  # read at version 1 ...
    store.update(doc.id, 1, lambda d: setattr(d, "name", "winner") or [], ACTOR)
    _drain(relay)  # ... version 2 is applied and moved to history, freeing its outbox id
    with pytest.raises(DomainError) as e:
        store.update(doc.id, 1, lambda d: setattr(d, "name", "late") or [], ACTOR, current=stale)
    assert e.value.status == 412
    assert store.get(doc.id).name == "winner"
    assert dbmod.database("probe")[OUTBOX].count_documents({"aggregate_id": doc.id}) == 0


def test_creating_the_same_id_twice_says_it_exists(store):
    doc = _new(store)
    with pytest.raises(DomainError) as e:
        store.create(Probe(id=doc.id, name="again", key=f"other-{doc.id}"), ACTOR, [])
    assert e.value.status == 409 and e.value.slug == "already-exists"


def test_natural_key_clash_is_a_conflict_and_leaves_no_record(store):
    first = _new(store)
    pid = str(uuid.uuid4())
    with pytest.raises(DomainError) as e:
        store.create(Probe(id=pid, name="dup", key=first.key), ACTOR, [HAPPENED.new(pid, {"name": "dup"})])
    assert e.value.status == 409
    for coll in (CHANGES, OUTBOX):
        assert dbmod.database("probe")[coll].count_documents({"aggregate_id": pid}) == 0


def _crashed_write(store, doc, event):
    """What a process that died between the two writes leaves behind: the change record only."""
    record = store._record(doc.id, 1, None, {**doc.to_mongo().to_dict(), "version": 1}, [event],
                           ACTOR, None, None, datetime.now(timezone.utc) - timedelta(seconds=5))
    dbmod.database("probe")[OUTBOX].insert_one(record)
    return record


def test_relay_repairs_a_write_interrupted_after_the_change_record(store, relay):
    tap = support.ExchangeTap("probe.thing.happened")
    try:
        pid = str(uuid.uuid4())
        doc = Probe(id=pid, name="crashed", key=f"k-{pid}")
        _crashed_write(store, doc, HAPPENED.new(pid, {"name": "crashed"}))
        assert store.get(pid) is None
        _drain(relay)
        assert store.get(pid).name == "crashed" and store.get(pid).version == 1
        tap.wait(lambda e: e["subject"] == pid)
    finally:
        tap.close()


def test_a_change_that_can_never_apply_is_voided_not_published(store, relay):
    tap = support.ExchangeTap("probe.thing.happened")
    try:
        first = _new(store)
        pid = str(uuid.uuid4())
        record = _crashed_write(store, Probe(id=pid, name="clash", key=first.key), HAPPENED.new(pid, {"name": "clash"}))
        _drain(relay)
        assert dbmod.database("probe")[OUTBOX].find_one({"_id": record["_id"]}) is None
        assert dbmod.database("probe")[CHANGES].find_one({"_id": record["_id"]}) is None
        assert store.get(pid) is None
        time.sleep(0.5)
        assert not [m for m in tap.messages() if m[2]["subject"] == pid]
    finally:
        tap.close()


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_events_written_while_the_broker_is_down_are_published_when_it_is_back(store, relay):
    _drain(relay)
    _rabbitmqctl("stop_app")
    try:
        docs = [_new(store) for _ in range(3)]  # the data writes succeed without a broker
        # Whichever of kombu's or amqp's connection errors the publish meets first.
        with pytest.raises(Exception):  # noqa: B017
            relay.run_once()
        pending = dbmod.database("probe")[OUTBOX].count_documents({"aggregate_id": {"$in": [d.id for d in docs]}})
        assert pending == 3
    finally:
        _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")
    relay._reset()
    tap = support.ExchangeTap("probe.thing.happened")
    try:
        ids = {d.id for d in docs}
        support.wait_for(lambda: _drain(relay) >= 0 and dbmod.database("probe")[OUTBOX].count_documents(
            {"aggregate_id": {"$in": list(ids)}}) == 0, timeout=30,
            what="relay to publish after the broker came back")
        seen = set()
        support.wait_for(lambda: seen.update(m[2]["subject"] for m in tap.messages()) or ids <= seen,
                         what="all three events on the exchange")
    finally:
        tap.close()


# --- consumer ---------------------------------------------------------------------

class _Recorder:
    def __init__(self, db):
        self.db = db
        self.calls = []
        self.data = {}

    def good(self, env):
        self.data[env.id] = env.data
        self.calls.append(env.id)
        try:  # the effect, idempotent by a deterministic id
            self.db["effects"].insert_one({"_id": f"effect:{env.id}", "name": env.data["name"]})
        except Exception:
            pass

    broken = True

    def chain(self, env):
        pid = f"chained-{env.id}"  # deterministic: a redelivery creates nothing twice
        try:
            AggregateStore(Probe, "probe").create(Probe(id=pid, name=env.data["name"], key=pid), ACTOR,
                                                  [HAPPENED.new(pid, {"name": env.data["name"]})])
        except DomainError as p:
            if p.slug != "already-exists":
                raise

    def flaky(self, env):
        if self.broken:
            raise RuntimeError("not mended yet")
        self.good(env)

    def bad(self, env):
        self.calls.append(("bad", env.id))
        raise RuntimeError("this handler always fails")


@pytest.fixture
def consumer(settings):
    rec = _Recorder(dbmod.database("probe"))
    c = EventConsumer(settings, dbmod.database("probe"), {HAPPENED.name: rec.good, BAD.name: rec.bad,
                                                              FLAKY.name: rec.flaky, CHAIN.name: rec.chain},
                      event_types=PROBE_EVENTS)
    stop = threading.Event()
    t = threading.Thread(target=c.run, args=(stop,), daemon=True)
    t.start()
    # the consumer declares its queues on start; wait until it is bound
    support.wait_for(lambda: _queue_exists(settings.queue), what="consumer queue")
    yield rec
    stop.set()
    t.join(10)


def _queue_exists(name):
    conn = pika.BlockingConnection(support.pika_params())
    try:
        conn.channel().queue_declare(name, passive=True)
        return True
    except Exception:
        return False
    finally:
        if conn.is_open:
            conn.close()


def _publish(envelope: dict, routing_key=None):
    conn = pika.BlockingConnection(support.pika_params())
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish(support.EXCHANGE, routing_key or envelope["type"], json.dumps(envelope),
                     pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()


def test_the_same_event_delivered_twice_has_one_effect(consumer):
    env = HAPPENED.new("s-1", {"name": "once"}).to_dict()
    _publish(env)
    _publish(env)
    db = dbmod.database("probe")
    support.wait_for(lambda: db["processed_events"].find_one({"_id": env["id"]}), what="processing")
    time.sleep(0.5)
    assert db["effects"].count_documents({"_id": f"effect:{env['id']}"}) == 1
    assert consumer.calls.count(env["id"]) == 1  # the second was recognised before the handler ran
    # Even when the fast-path record is lost (crash after the effect), the effect stays single.
    db["processed_events"].delete_one({"_id": env["id"]})
    _publish(env)
    support.wait_for(lambda: db["processed_events"].find_one({"_id": env["id"]}), what="reprocessing")
    assert db["effects"].count_documents({"_id": f"effect:{env['id']}"}) == 1


def test_a_poison_message_is_dead_lettered_and_the_consumer_keeps_going(consumer, settings):
    bad = BAD.new("s-bad", {"name": "poison"}).to_dict()
    good = HAPPENED.new("s-good", {"name": "after"}).to_dict()
    _publish(bad)
    _publish(good)
    db = dbmod.database("probe")
    support.wait_for(lambda: db["processed_events"].find_one({"_id": good["id"]}), what="the next message")

    conn = pika.BlockingConnection(support.pika_params())
    ch = conn.channel()

    def dead():
        method, props, body = ch.basic_get(f"{settings.queue}.dead", auto_ack=False)
        if method is None:
            return None
        msg = json.loads(body)
        if msg["id"] != bad["id"]:
            ch.basic_nack(method.delivery_tag, requeue=True)
            return None
        ch.basic_ack(method.delivery_tag)
        return props
    props = support.wait_for(dead, timeout=20, what="the dead letter")
    conn.close()
    assert props.headers["x-crm-attempts"] == settings.max_delivery_attempts
    assert "always fails" in props.headers["x-crm-error"]
    assert consumer.calls.count(("bad", bad["id"])) == settings.max_delivery_attempts
    assert db["processed_events"].find_one({"_id": bad["id"]}) is None


def _dead_letter_holding(ch, settings, marker: str):
    """Take the dead letter whose body holds ``marker`` (others go back); its properties."""
    def dead():
        method, props, body = ch.basic_get(f"{settings.queue}.dead", auto_ack=False)
        if method is None:
            return None
        if marker not in body.decode():
            ch.basic_nack(method.delivery_tag, requeue=True)
            return None
        ch.basic_ack(method.delivery_tag)
        return props
    return support.wait_for(dead, timeout=15, what="the message in the dead-letter queue")


def test_a_malformed_message_goes_straight_to_the_dead_letter_queue(consumer, settings):
    conn = pika.BlockingConnection(support.pika_params())
    ch = conn.channel()
    ch.confirm_delivery()
    marker = uuid.uuid4().hex
    ch.basic_publish(support.EXCHANGE, HAPPENED.name, json.dumps({"type": HAPPENED.name, "marker": marker}),
                     pika.BasicProperties(content_type="application/json", delivery_mode=2))

    props = _dead_letter_holding(ch, settings, marker)
    conn.close()
    assert "malformed" in props.headers["x-crm-error"]


def test_an_event_breaking_its_contract_is_dead_lettered_without_retries(consumer, settings):
    env = HAPPENED.new("s-contract", {"name": "fine"}).to_dict()
    env["data"] = {"name": 42}          # a producer that broke the contract: no retry can mend it
    _publish(env)
    conn = pika.BlockingConnection(support.pika_params())
    props = _dead_letter_holding(conn.channel(), settings, env["id"])
    conn.close()
    assert "ValidationError" in props.headers["x-crm-error"]
    assert env["id"] not in consumer.calls


def test_handlers_get_contract_loaded_data_and_fields_they_do_not_know_are_dropped(consumer):
    env = HAPPENED.new("s-newer", {"name": "from a newer producer"}).to_dict()
    env["data"]["added_in_a_later_version"] = "ignored"
    _publish(env)
    support.wait_for(lambda: env["id"] in consumer.calls, what="the handler call")
    assert consumer.data[env["id"]] == {"name": "from a newer producer"}


def test_dead_letters_can_be_listed_and_replayed_by_the_operator_tool(consumer, settings):
    from tools import bus
    env = FLAKY.new("s-flaky", {"name": "replay me"}).to_dict()
    _publish(env)
    opts = {"exchange": support.EXCHANGE, "amqp_url": support.AMQP_URL}
    support.wait_for(lambda: any(d.get("id") == env["id"] for d in bus.list_dead("probe", **opts)),
                     timeout=20, what="the dead letter")
    consumer.broken = False  # the bug is fixed; now replay
    assert bus.replay("probe", event_id=env["id"], **opts) == 1
    db = dbmod.database("probe")
    support.wait_for(lambda: db["processed_events"].find_one({"_id": env["id"]}), what="the replayed event")
    assert db["effects"].count_documents({"_id": f"effect:{env['id']}"}) == 1
    assert not any(d.get("id") == env["id"] for d in bus.list_dead("probe", **opts))


def test_an_event_caused_by_an_event_keeps_the_correlation_id(consumer, relay):
    tap = support.ExchangeTap("probe.thing.happened")
    try:
        cause = CHAIN.new("s-chain", {"name": "chained"}, correlation_id="corr-" + uuid.uuid4().hex).to_dict()
        _publish(cause)
        db = dbmod.database("probe")
        support.wait_for(lambda: db["processed_events"].find_one({"_id": cause["id"]}), what="the cause handled")
        _drain(relay)
        (_, _, effect), = tap.wait(lambda e: e["subject"] == f"chained-{cause['id']}")
        assert effect["correlation_id"] == cause["correlation_id"]
    finally:
        tap.close()
