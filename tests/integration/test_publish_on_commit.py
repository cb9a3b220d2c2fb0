"""Publish on commit against the real FerretDB and RabbitMQ: prompt, never lost, never doubled.

A parcel aggregate stands in for a service. Every test counts what reached the
exchange with an independent pika queue (``support.ExchangeTap``), by event id.
Nothing here stops the shared broker: "broker down" is a publisher pointed at a
port nobody listens on, or at a listener that accepts and never answers.
"""
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields
from mongoengine import StringField

from chassis import db as dbmod, identity as ident, store as stores
from chassis.config import load_settings
from chassis.events.claims import CLAIMS
from chassis.events.envelope import EventType
from chassis.events.publisher import CommitPublisher
from chassis.events.relay import OutboxRelay
from chassis.models import Aggregate
from chassis.store import CHANGES, OUTBOX, AggregateStore
from tests import support

LEASE = 1.5      # seconds a writer keeps its records in the tests that wait for the relay
LOAD_LEASE = 5.0  # the default, for the tests under load: on 2 shared cores a write can stall 1.5 s
TIMEOUT = 0.3    # CRM_PUBLISH_TIMEOUT here (0.5 by default)


class Parcel(Aggregate):
    label = StringField(required=True)
    meta = {"db_alias": "parcel", "collection": "parcels"}


class _Data(Schema):
    label = fields.String(required=True)


SENT = EventType("parcel.thing.sent", 1, "parcel", "test event", _Data)
ACTOR = ident.system("parcel")


def settings_for(**extra):
    env = {"CRM_PUBLISH_LEASE": str(LEASE), "CRM_PUBLISH_TIMEOUT": str(TIMEOUT), **extra}
    return load_settings("parcel", **support.overrides(extra=env))


@pytest.fixture(scope="module")
def settings():
    s = settings_for()
    dbmod.connect(s)
    return s


@pytest.fixture(scope="module")
def db(settings):
    return dbmod.database("parcel")


@pytest.fixture(scope="module")
def store(settings):
    return AggregateStore(Parcel, "parcel")


@pytest.fixture
def tap():
    t = support.ExchangeTap("parcel.#")
    yield t
    t.close()


def _publisher(settings, lease=LEASE, **kw):
    return CommitPublisher(settings, timeout=TIMEOUT, lease=lease, **kw)


@pytest.fixture
def on_commit(settings, db):
    """Publish on commit installed for the parcel database, as the app factory does."""
    publisher = _publisher(settings, lease=LOAD_LEASE)
    stores.after_commit(db, publisher)
    yield publisher
    stores.after_commit(db, None)
    publisher.close()


def _create(store, label=None):
    pid = str(uuid.uuid4())
    label = label or f"l-{pid[:8]}"
    store.create(Parcel(id=pid, label=label), ACTOR, [SENT.new(pid, {"label": label})])
    return pid


def _relabel(store, pid, label):
    def change(doc):
        doc.label = label
        return [SENT.new(pid, {"label": label})]
    store.update(pid, None, change, ACTOR)


def _seen(tap, seen: list, subjects: set, count: int, timeout: float = 15.0):
    """Collect messages about ``subjects`` until at least ``count`` arrived."""
    def enough():
        seen.extend(m[2] for m in tap.messages() if m[2]["subject"] in subjects)
        return len(seen) >= count
    support.wait_for(enough, timeout, interval=0.01, what=f"{count} events on the exchange")
    return seen


def _quiet_for(tap, seconds: float, subjects: set) -> list:
    time.sleep(seconds)
    return [m[2] for m in tap.messages() if m[2]["subject"] in subjects]


def _pending(db, ids) -> int:
    return db[OUTBOX].count_documents({"aggregate_id": {"$in": list(ids)}})


# --- (a) prompt, without any relay --------------------------------------------------

def test_a_write_is_on_the_bus_at_once_without_a_relay(store, db, tap, on_commit):
    pid = _create(store)
    (event,) = _seen(tap, [], {pid}, 1, timeout=2)   # no relay runs: only the writer can have sent it
    assert event["subject_version"] == 1
    # Settled by the writer exactly as the relay would: out of the outbox, into history.
    assert on_commit.settler.flush()
    assert db[OUTBOX].find_one({"_id": f"parcel:{pid}:1"}) is None
    settled = db[CHANGES].find_one({"_id": f"parcel:{pid}:1"})
    assert settled["status"] == "published" and "relay_after" not in settled

    _relabel(store, pid, "second")
    (update,) = _seen(tap, [], {pid}, 1, timeout=2)
    assert update["subject_version"] == 2 and update["data"] == {"label": "second"}
    assert [h["version"] for h in store.history(pid)] == [2, 1]


def test_a_bulk_create_publishes_every_record_once(store, db, tap, on_commit):
    docs = [Parcel(id=str(uuid.uuid4()), label=f"bulk-{i}") for i in range(40)]
    created, errors = store.create_many(docs, ACTOR, lambda d: [SENT.new(d.id, {"label": d.label})])
    assert len(created) == 40 and not errors
    ids = {d.id for d in docs}
    seen = _seen(tap, [], ids, 40, timeout=5)
    assert Counter(e["subject"] for e in seen + _quiet_for(tap, 0.3, ids)) == Counter(ids)
    assert on_commit.settler.flush() and _pending(db, ids) == 0


def test_a_write_without_events_is_settled_without_the_relay(store, db, on_commit):
    pid = _create(store)
    store.update(pid, None, lambda d: setattr(d, "label", "silent") or [], ACTOR)
    assert on_commit.settler.flush() and _pending(db, {pid}) == 0
    assert db[CHANGES].find_one({"_id": f"parcel:{pid}:2"})["status"] == "published"


# --- (b) the writer dies between the write and the publish ----------------------------

_CHILD = textwrap.dedent("""
    import os, signal, sys, uuid
    from chassis import db as dbmod, store as stores
    from chassis.events.publisher import CommitPublisher
    from tests.integration.test_publish_on_commit import ACTOR, LEASE, SENT, TIMEOUT, Parcel, settings_for

    settings = settings_for()
    db = dbmod.connect(settings)
    real = CommitPublisher(settings, timeout=TIMEOUT, lease=LEASE)

    class DiesBeforePublishing:
        lease = real.lease
        def __call__(self, db, records):
            os.kill(os.getpid(), signal.SIGKILL)

    class DiesBeforeSettling:
        lease = real.lease
        def __call__(self, db, records):
            real._publish(list(records))          # confirmed by the broker ...
            os.kill(os.getpid(), signal.SIGKILL)  # ... and gone before the record is settled

    hook = {"publish": DiesBeforePublishing, "settle": DiesBeforeSettling}[sys.argv[1]]()
    stores.after_commit(db, hook)
    pid = sys.argv[2]
    stores.AggregateStore(Parcel, "parcel").create(Parcel(id=pid, label="killed"), ACTOR,
                                                   [SENT.new(pid, {"label": "killed"})])
    print("survived", flush=True)
""")


def _killed_writer(moment: str) -> str:
    pid = str(uuid.uuid4())
    env = {**os.environ, "CRM_TEST_RUN_ID": support.RUN_ID, "PYTHONPATH": str(support.ROOT)}
    child = subprocess.run([sys.executable, "-c", _CHILD, moment, pid], cwd=support.ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert "survived" not in child.stdout
    return pid


def _drain(relay, rounds=20):
    total = 0
    for _ in range(rounds):
        n = relay.run_once()
        total += n
        if n == 0:
            break
    return total


def test_a_writer_killed_before_publishing_is_published_by_the_relay_exactly_once(settings, store, db, tap):
    pid = _killed_writer("publish")
    record = db[OUTBOX].find_one({"_id": f"parcel:{pid}:1"})
    assert record is not None and record["relay_after"] > record["recorded_at"]
    assert store.get(pid).version == 1                 # the write itself was complete
    relay = OutboxRelay(settings, db)
    _drain(relay)                                      # within the writer's lease: not the relay's yet
    assert _pending(db, {pid}) == 1 and not _quiet_for(tap, 0.2, {pid})
    support.wait_for(lambda: _drain(relay) >= 0 and _pending(db, {pid}) == 0, timeout=LEASE + 5,
                     interval=0.05, what="the relay to take the dead writer's record")
    seen = _seen(tap, [], {pid}, 1)
    assert len(seen + _quiet_for(tap, 0.5, {pid})) == 1
    assert db[CHANGES].find_one({"_id": f"parcel:{pid}:1"})["status"] == "published"
    assert db[CLAIMS].count_documents({"record": f"parcel:{pid}:1"}) == 0


def test_a_writer_killed_after_the_confirm_is_published_again_with_the_same_event_id(settings, db, tap):
    """The one window left: confirmed but not yet settled. At-least-once, so the relay
    publishes again, with the same event id, which consumers deduplicate on."""
    pid = _killed_writer("settle")
    first = _seen(tap, [], {pid}, 1, timeout=5)
    assert _pending(db, {pid}) == 1
    relay = OutboxRelay(settings, db)
    support.wait_for(lambda: _drain(relay) >= 0 and _pending(db, {pid}) == 0, timeout=LEASE + 5,
                     interval=0.05, what="the relay to settle it")
    both = _seen(tap, first, {pid}, 2)
    assert len(both) == 2 and both[0]["id"] == both[1]["id"]


# --- (c) the broker is down or hanging --------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once this socket is closed


class _SilentBroker:
    """Accepts TCP connections and never says a word: a hung broker."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("broker", ["refusing", "silent"])
def test_with_the_broker_away_writes_succeed_quickly_and_the_relay_publishes_later(broker, settings, store,
                                                                                   db, tap):
    silent = _SilentBroker() if broker == "silent" else None
    port = silent.port if silent else _closed_port()
    away = settings.with_(amqp_url=f"amqp://guest:guest@127.0.0.1:{port}//")
    # A rest longer than the five writes take even on a saturated machine.
    publisher = _publisher(away, cooldown=60)
    times, ids = [], []

    class Timed:  # what the broker costs each write: the time spent in the hook
        lease = publisher.lease

        def __call__(self, db, records):
            t0 = time.perf_counter()
            publisher(db, records)
            times.append(time.perf_counter() - t0)

    stores.after_commit(db, Timed())
    try:
        for _ in range(5):
            ids.append(_create(store))
    finally:
        stores.after_commit(db, None)
        publisher.close()
        if silent:
            silent.close()
    # The first write meets the broker's failure within the timeout; the next ones do not
    # wait again (the publisher rests: one try per cooldown), so no write is slowed by seconds.
    assert times[0] < TIMEOUT + 0.3, times
    assert max(times[1:]) < 0.01, times
    assert all(store.get(i).version == 1 for i in ids)
    assert _pending(db, ids) == 5 and not _quiet_for(tap, 0.2, set(ids))
    relay = OutboxRelay(settings, db)
    support.wait_for(lambda: _drain(relay) >= 0 and _pending(db, ids) == 0, timeout=LEASE + 10,
                     interval=0.05, what="the relay to publish once the writer's lease ran out")
    seen = _seen(tap, [], set(ids), 5)
    assert Counter(e["subject"] for e in seen + _quiet_for(tap, 0.5, set(ids))) == Counter(ids)


def test_after_the_broker_comes_back_writes_publish_on_commit_again(settings, store, db, tap):
    port = _closed_port()
    publisher = _publisher(settings.with_(amqp_url=f"amqp://guest:guest@127.0.0.1:{port}//"), cooldown=0.2)
    stores.after_commit(db, publisher)
    try:
        down = _create(store)
        publisher.settings = settings   # the broker is back (at its real address)
        time.sleep(0.3)                 # past the rest
        up = _create(store)
        _seen(tap, [], {up}, 1, timeout=2)
        assert publisher.settler.flush()
        assert _pending(db, {down}) == 1 and _pending(db, {up}) == 0
    finally:
        stores.after_commit(db, None)
        publisher.close()
    relay = OutboxRelay(settings, db)
    support.wait_for(lambda: _drain(relay) >= 0 and _pending(db, {down}) == 0, timeout=LEASE + 10,
                     interval=0.05, what="the relay to publish the record written while down")


# --- (d) several relays, with and without publish on commit, under load -------------------

def _load(store, writers: int, per_writer: int, updates: bool) -> tuple[list[str], int]:
    ids: list[str] = []
    events = 0
    lock = threading.Lock()
    failures: list[BaseException] = []

    def write():
        try:
            for _ in range(per_writer):
                pid = _create(store)
                n = 1
                if updates:
                    _relabel(store, pid, "again")
                    n += 1
                with lock:
                    ids.append(pid)
                    nonlocal events
                    events += n
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    return ids, events


def _relays(settings, db, n: int):
    stop = threading.Event()
    fast = settings.with_(relay_interval=0.02)
    relays = [OutboxRelay(fast, db) for _ in range(n)]
    threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in relays]
    for t in threads:
        t.start()
    return stop, threads


def _assert_each_event_once(tap, db, ids: list[str], events: int):
    subjects = set(ids)
    support.wait_for(lambda: _pending(db, subjects) == 0, timeout=LOAD_LEASE + 60, interval=0.1,
                     what="every record settled")
    seen = _seen(tap, [], subjects, events, timeout=15)
    seen += _quiet_for(tap, 1.0, subjects)
    twice = [i for i, c in Counter(e["id"] for e in seen).items() if c > 1]
    records = [db[CHANGES].find_one({"events.id": i}, {"recorded_at": 1, "relay_after": 1, "settled_at": 1})
               for i in twice]
    assert not twice, f"{len(twice)} events published twice: {records}"
    assert len(seen) == events


def test_two_relays_over_one_database_publish_each_record_once(settings, store, db, tap):
    stop, threads = _relays(settings, db, 2)
    try:
        ids, events = _load(store, writers=6, per_writer=5, updates=True)   # no publisher: all relay
        _assert_each_event_once(tap, db, ids, events)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert db[CLAIMS].count_documents({"record": {"$in": [f"parcel:{i}:1" for i in ids]}}) == 0


def test_publish_on_commit_beside_two_relays_publishes_each_record_once(settings, store, db, tap, on_commit):
    stop, threads = _relays(settings, db, 2)
    try:
        ids, events = _load(store, writers=6, per_writer=5, updates=True)
        _assert_each_event_once(tap, db, ids, events)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    # Writers published (the relays ran beside them the whole time and doubled nothing). How
    # many they left to the relays depends on the machine: a writer stalled past half its lease,
    # or meeting a broker slower than its timeout, leaves its records rather than race.
    assert on_commit.published > 0, (on_commit.published, events)


def test_a_relay_takes_over_a_claim_whose_holder_died(settings, store, db, tap):
    pid = _create(store)                       # no publisher: the relay's from the start
    record_id = f"parcel:{pid}:1"
    from chassis.events import claims
    assert claims.claim(db, record_id, timedelta(seconds=0.5), "a relay that dies now") == 1
    relay = OutboxRelay(settings, db, claim_lease=timedelta(seconds=0.5))
    _drain(relay)
    assert _pending(db, {pid}) == 1           # held by someone else: left alone
    time.sleep(0.6)
    support.wait_for(lambda: _drain(relay) >= 0 and _pending(db, {pid}) == 0, timeout=5, interval=0.05,
                     what="the relay to take the expired claim over")
    assert len(_seen(tap, [], {pid}, 1) + _quiet_for(tap, 0.3, {pid})) == 1
    assert db[CLAIMS].count_documents({"record": record_id}) == 0


# --- gunicorn forks its workers -----------------------------------------------------------

def test_after_a_fork_the_child_publishes_on_its_own_connections(store, db, tap, on_commit):
    parent_first = _create(store)                  # the parent now holds an open connection
    _seen(tap, [], {parent_first}, 1, timeout=2)
    child_id = str(uuid.uuid4())
    parents = list(on_commit._idle)
    assert parents
    pid = os.fork()
    if pid == 0:  # the child: must not write on the parent's socket (that would corrupt both)
        code = 1
        try:
            store.create(Parcel(id=child_id, label="child"), ACTOR, [SENT.new(child_id, {"label": "child"})])
            settled = on_commit.settler.flush() and db[OUTBOX].find_one({"_id": f"parcel:{child_id}:1"}) is None
            own = on_commit._idle and not any(link in parents for link in on_commit._idle)
            code = 0 if settled and own else 3   # published (no relay runs) on a link of its own
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    _seen(tap, [], {child_id}, 1, timeout=2)
    parent_again = _create(store)                  # the parent's connection still works
    _seen(tap, [], {parent_again}, 1, timeout=2)
    assert on_commit.settler.flush() and _pending(db, {child_id, parent_first, parent_again}) == 0


# --- (e) a write's events confirmed together: nacked or unanswered ones go to the relay -----

def _bulk(store, ids, marker=False):
    states = [{"_id": i, "label": f"bulk-{n}"} for n, i in enumerate(ids)]
    events = [[SENT.new(s["_id"], {"label": s["label"]})] for s in states]
    assert store.create_states(states, ACTOR, events, marker=marker) == {}
    return ids


def _ids(n):
    return [str(uuid.uuid4()) for _ in range(n)]


@pytest.fixture
def broker_answers(monkeypatch):
    """Make the broker's answer for chosen events a nack, or make it fall silent at one."""
    from chassis.events import wire
    trouble: dict[str, str] = {}
    real_settle, real_publish = wire.Confirms._settle, wire.Confirms.publish

    def settle(self, tag, multiple):
        ids = real_settle(self, tag, multiple)
        return [i for i in ids if trouble.get(i) != "nack"]   # answered, not acked

    def publish(self, envelopes, acked, idle, deadline=None):
        silent = [e for e in envelopes if trouble.get(e["id"]) == "silent"]
        if not silent:
            return real_publish(self, envelopes, acked, idle, deadline)
        # The broker takes the messages up to the silent one and never answers for it.
        real_publish(self, envelopes[:envelopes.index(silent[0])], acked, idle, deadline)
        return False

    monkeypatch.setattr(wire.Confirms, "_settle", settle)
    monkeypatch.setattr(wire.Confirms, "publish", publish)
    return trouble


@pytest.mark.parametrize("answer", ["nack", "silent"])
@pytest.mark.parametrize("marker", [False, True], ids=["outbox", "marker"])
def test_an_event_the_broker_does_not_confirm_stays_for_the_relay(answer, marker, settings, store, db, tap,
                                                                  broker_answers):
    publisher = _publisher(settings, lease=LEASE, cooldown=0.01)
    stores.after_commit(db, publisher)
    try:
        ids = [str(uuid.uuid4()) for _ in range(6)]
        events = [[SENT.new(i, {"label": "x"})] for i in ids]
        broker_answers[events[3][0].id] = answer
        states = [{"_id": i, "label": "x"} for i in ids]
        assert store.create_states(states, ACTOR, events, marker=marker) == {}
        assert publisher.flush()
    finally:
        stores.after_commit(db, None)
        publisher.close()
    outbox = list(db[OUTBOX].find({"$or": [{"aggregate_id": {"$in": ids}}, {"records": f"parcel:{ids[0]}:1"}]}))
    if marker:   # not every event confirmed: the marker stays, naming all six
        assert [len(m["records"]) for m in outbox] == [6]
    else:        # confirmed records settled; the unconfirmed one stays (silent: those after it too)
        expected = {ids[3]} if answer == "nack" else set(ids[3:])
        assert {r["aggregate_id"] for r in outbox} == expected
    broker_answers.clear()
    relay = OutboxRelay(settings, db)
    support.wait_for(lambda: _drain(relay) >= 0 and not db[OUTBOX].find_one({"_id": outbox[0]["_id"]}),
                     timeout=LEASE + 10, interval=0.05, what="the relay to publish what was not confirmed")
    seen = _seen(tap, [], set(ids), 6) + _quiet_for(tap, 0.3, set(ids))
    assert set(e["subject"] for e in seen) == set(ids)    # none lost (a nacked one may come twice)
    assert ids[3] in {e["subject"] for e in seen}
    assert all(db[CHANGES].find_one({"_id": f"parcel:{i}:1"}) for i in ids)


# --- (f) bulk creations under one outbox marker ----------------------------------------------

def test_a_marked_bulk_create_is_two_inserts_published_once_and_its_marker_settled(store, db, tap, on_commit):
    ids = _bulk(store, _ids(40), marker=True)
    # In history from the start (no move after the publish), read like any history.
    assert db[CHANGES].count_documents({"aggregate_id": {"$in": ids}}) == 40
    assert db[OUTBOX].count_documents({"aggregate_id": {"$in": ids}}) == 0
    seen = _seen(tap, [], set(ids), 40, timeout=5)
    assert Counter(e["subject"] for e in seen + _quiet_for(tap, 0.3, set(ids))) == Counter(ids)
    assert on_commit.flush()
    assert db[OUTBOX].find_one({"records": f"parcel:{ids[0]}:1"}) is None
    assert [h["version"] for h in store.history(ids[0])] == [1]
    assert store.get(ids[5]).label == "bulk-5"


class _Crash(BaseException):
    """The process dies here (nothing after it runs, no handler catches it)."""


def test_a_marked_write_cut_off_before_its_documents_is_completed_by_the_relay_once(settings, store, db, tap,
                                                                                  monkeypatch):
    publisher = _publisher(settings, lease=LEASE)
    stores.after_commit(db, publisher)
    real = AggregateStore._insert_many

    def insert_many(collection, docs):
        if collection.name == "parcels":
            raise _Crash()
        return real(collection, docs)
    monkeypatch.setattr(AggregateStore, "_insert_many", staticmethod(insert_many))
    ids = _ids(5)
    try:
        with pytest.raises(_Crash):
            _bulk(store, ids, marker=True)
    finally:
        monkeypatch.setattr(AggregateStore, "_insert_many", staticmethod(real))
        stores.after_commit(db, None)
        publisher.close()
    [marker] = db[OUTBOX].find({"records": f"parcel:{ids[0]}:1"})
    assert marker["records"] == [f"parcel:{i}:1" for i in ids]
    assert all(store.get(i) is None for i in ids) and all(store.history(i) == [] for i in ids)
    relay = OutboxRelay(settings, db, grace_seconds=0.5)
    _drain(relay)                                       # within the writer's lease: not the relay's yet
    assert db[OUTBOX].find_one({"_id": marker["_id"]}) and not _quiet_for(tap, 0.2, set(ids))
    support.wait_for(lambda: _drain(relay) >= 0 and not db[OUTBOX].find_one({"_id": marker["_id"]}),
                     timeout=LEASE + 10, interval=0.05, what="the relay to complete the cut-off write")
    assert all(store.get(i).version == 1 for i in ids)            # repaired from the records
    seen = _seen(tap, [], set(ids), 5) + _quiet_for(tap, 0.5, set(ids))
    assert Counter(e["subject"] for e in seen) == Counter(ids)     # each once
    # A relay that listed the marker before it was settled finds it gone: publishes nothing.
    assert relay._relay_marked(marker) is False and not _quiet_for(tap, 0.3, set(ids))


def test_repairing_a_creation_from_history_voids_it_when_a_unique_key_refuses_it(db):
    from chassis.events.relay import repair_creation
    coll = db["crates_" + uuid.uuid4().hex[:6]]
    coll.create_index("code", unique=True)
    coll.insert_one({"_id": "a", "code": "taken"})

    def record(aid, code):
        rec = {"_id": f"crate:{aid}:1", "collection": coll.name, "aggregate_id": aid, "version": 1,
               "state": {"_id": aid, "code": code, "version": 1}}
        db[CHANGES].insert_one(rec)
        return rec
    clash, free = record(f"b{uuid.uuid4().hex[:6]}", "taken"), record(f"c{uuid.uuid4().hex[:6]}", "mine")
    coll.insert_one(free["state"])          # another party (the resumed job, a relay) repaired it first
    assert repair_creation(db, clash) is False and db[CHANGES].find_one({"_id": clash["_id"]}) is None
    assert repair_creation(db, free) is True and db[CHANGES].find_one({"_id": free["_id"]})
    coll.drop()


def test_a_marker_whose_records_are_not_written_yet_waits_for_its_writer(settings, db, tap):
    from chassis.events.relay import settle_marked
    from chassis.store import MARKER
    ids = _ids(2)
    marker = {"_id": f"{MARKER}{uuid.uuid4()}", "collection": "parcels", "records": [f"parcel:{i}:1" for i in ids],
              "recorded_at": datetime.now(timezone.utc), "status": "pending"}
    assert settle_marked(db, marker, timedelta(seconds=10)) is None     # the writer may be in flight
    marker["recorded_at"] -= timedelta(seconds=11)                      # it died before its records
    assert settle_marked(db, marker, timedelta(seconds=10)) == []
