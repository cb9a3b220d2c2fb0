"""Chaos at the system level: faults under load through the gateway (#11, items 7 and 8).

The suite runs here on servers of its own — a FerretDB and a RabbitMQ node that devstack
starts on other ports — so stopping them disturbs nothing else, and with two workers per
service, competing for their queue and sharing their outbox. Under a steady load of
registrations and contacts through the gateway, each fault is injected and then mended
the way an orchestrator would (restart the process, the broker, the database):

* kill -9 a worker (relay and consumer), then start it again;
* kill -9 a service (its gunicorn master and workers), then start it again;
* stop and start RabbitMQ;
* restart the database.

After each: every request was answered (an HTTP status, never a hang); every accepted write
is there exactly once, and a refused one at most once (0 double effects); every customer the
customer service holds reaches engagement and feedback (0 events lost); the outboxes drain,
no dead letters; and every process is ready again without anyone touching it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pika
import pymongo
import pytest
import requests

from tests import support

WORKERS = ("customer-worker", "engagement-worker", "feedback-worker")
RMQCTL = "/usr/sbin/rabbitmqctl"


class Servers:
    """A FerretDB and a RabbitMQ node of this module's own (devstack, other ports)."""

    def __init__(self, data_dir: Path):
        self.db_port = _free_in(range(27047, 27099))
        self.amqp_port = _free_in(range(5687, 5699))     # the node's distribution port is +20000
        self.env = {**os.environ, "CRM_FERRETDB_PORT": str(self.db_port), "CRM_FERRETDB_DATA_DIR": str(data_dir),
                    "CRM_AMQP_PORT": str(self.amqp_port)}
        self.node = f"crm{self.amqp_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.db_port}"

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}//"

    def devstack(self, script: str, action: str) -> None:
        done = subprocess.run(["bash", str(support.ROOT / "devstack" / script), action], env=self.env,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"devstack/{script} {action}: {done.stdout[-500:]} {done.stderr[-500:]}"

    def broker(self, action: str) -> None:
        subprocess.run([RMQCTL, "-q", "-n", self.node, action], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _free_in(ports: range) -> int:
    for port in ports:
        if support.free_port(port) == port:
            return port
    raise AssertionError(f"no free port in {ports}")


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    servers = Servers(tmp_path_factory.mktemp("chaos-db"))
    try:
        servers.devstack("ferretdb.sh", "start")
        servers.devstack("rabbitmq.sh", "start")
        yield servers
    finally:
        servers.devstack("rabbitmq.sh", "stop")
        servers.devstack("ferretdb.sh", "stop")


@pytest.fixture(scope="module")
def chaos_suite(private, tmp_path_factory):
    suite = support.Suite(tmp_path_factory.mktemp("chaos-logs"))
    suite.env.update({"CRM_MONGO_URL": private.mongo_url, "CRM_AMQP_URL": private.amqp_url,
                      "CRM_LOG_LEVEL": "WARNING"})
    try:
        suite.start_all()
        for name in WORKERS:                      # a second replica of every worker
            suite.start(name + "#2")
        yield suite
    finally:
        suite.stop_all()


@pytest.fixture(scope="module")
def mongo(private):
    client = pymongo.MongoClient(private.mongo_url, serverSelectionTimeoutMS=3000)
    yield client
    client.close()


def _db(mongo, service):
    return mongo[f"{support.DB_PREFIX}_{service}"]


class Load:
    """Writers through the gateway until stopped: registrations and contacts, each marked."""

    def __init__(self, base: str, token: str, customers: list[str], threads: int = 3):
        self.base, self.customers, self.threads = base, customers, threads
        self.headers = {"Authorization": f"Bearer {token}"}
        self.results: list[tuple[str, str, int | str]] = []   # (kind, marker, status or error)
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._pool: list[threading.Thread] = []

    def _one(self, session: requests.Session, n: int) -> None:
        marker = uuid.uuid4().hex[:12]
        if n % 2 == 0:
            kind, path = "customer", "/api/v1/customers"
            body = {"kind": "individual", "name": f"混沌{marker}"}
        else:
            kind, path = "interaction", "/api/v1/engagement/interactions"
            body = {"customer_id": self.customers[n % len(self.customers)], "channel": "phone",
                    "purpose": "care", "summary": f"chaos {marker}"}
        try:
            r = session.post(self.base + path, json=body, headers=self.headers, timeout=30)
            status: int | str = r.status_code
            if r.status_code >= 400:
                assert r.headers.get("Content-Type", "").startswith("application/problem+json"), r.text[:200]
        except requests.RequestException as exc:
            status = f"no answer: {exc.__class__.__name__}"
        with self._lock:
            self.results.append((kind, marker, status))

    def _run(self, seed: int) -> None:
        session = requests.Session()
        n = seed
        while not self.stop.is_set():
            self._one(session, n)
            n += 1
            time.sleep(0.02)

    def __enter__(self) -> Load:
        self._pool = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]
        for t in self._pool:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self._pool:
            t.join(60)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill9(suite: support.Suite, name: str) -> None:
    proc = suite.procs.pop(name)
    victims = [proc.pid, *_descendants(proc.pid)]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)
    support.wait_for(lambda: not any(Path(f"/proc/{p}").exists() and "Z" not in _state(p) for p in victims),
                     timeout=10, what=f"{name} to be gone")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _dead_letters(private: Servers) -> dict[str, int]:
    conn = pika.BlockingConnection(pika.URLParameters(private.amqp_url[:-1] + "%2F"))
    try:
        out = {}
        for service in ("customer", "engagement", "feedback"):      # the consumers (the gateway is none)
            ch = conn.channel()
            try:
                q = ch.queue_declare(f"{support.EXCHANGE}.{service}.dead", passive=True)
                out[service] = q.method.message_count
            except pika.exceptions.ChannelClosedByBroker:
                out[service] = -1         # no such queue: named wrongly here, or never declared
        return out
    finally:
        conn.close()


def _converged(mongo, private: Servers) -> str | None:
    """None when every effect has arrived; else what is still missing."""
    customers = {d["_id"] for d in _db(mongo, "customer")["customers"].find({}, {"_id": 1})}
    for service in ("engagement", "feedback"):
        copies = {d["_id"] for d in _db(mongo, service)["customer_snapshots"].find({}, {"_id": 1})}
        if customers - copies:
            return f"{len(customers - copies)} customers not yet known to {service}"
    for service in ("customer", "engagement", "feedback", "gateway"):
        pending = _db(mongo, service)["outbox"].count_documents({})
        if pending:
            return f"{pending} change records still in {service}'s outbox"
    return None


def _assert_sound(load: Load, mongo, private: Servers, suite: support.Suite, fault: str) -> None:
    unanswered = [r for r in load.results if isinstance(r[2], str)]
    assert not unanswered, f"{fault}: requests without an answer: {unanswered[:5]}"
    # An outage is answered as one (503 unavailable, 504 too late), never as our own fault (500).
    assert {r[2] for r in load.results} <= {201, 503, 504}, f"{fault}: {Counter(r[2] for r in load.results)}"
    accepted = [r for r in load.results if r[2] == 201]
    assert len(accepted) >= 10, f"{fault}: too little load got through to prove anything: {len(accepted)}"
    customers = _db(mongo, "customer")["customers"]
    interactions = _db(mongo, "engagement")["interactions"]
    for kind, marker, status in load.results:
        found = (customers.count_documents({"name": f"混沌{marker}"}) if kind == "customer"
                 else interactions.count_documents({"summary": f"chaos {marker}"}))
        if status == 201:
            assert found == 1, f"{fault}: an accepted {kind} is there {found} times"
        else:
            assert found <= 1, f"{fault}: a refused {kind} ({status}) is there {found} times"
    support.wait_for(lambda: _converged(mongo, private) is None, timeout=90, interval=0.5,
                     what=f"{fault}: every event delivered ({_converged(mongo, private)})")
    assert _dead_letters(private) == {"customer": 0, "engagement": 0, "feedback": 0}, fault
    for name, proc in suite.procs.items():
        assert proc.poll() is None, f"{fault}: {name} exited on its own"
    for name in ("customer", "engagement", "feedback", "gateway"):
        suite.wait_ready(name, timeout=30)


@pytest.fixture(scope="module")
def writer(chaos_suite):
    admin = support.login(chaos_suite.url(), *support.ADMIN)
    manager = support.new_user(admin, "manager")
    customers = [support.register_customer(manager, wait_for_copy="/api/v1/engagement/customers/{id}/snapshot")
                 for _ in range(4)]
    return manager, customers


def _under_load(suite, writer, fault, mend, settle: float = 3.0) -> Load:
    manager, customers = writer
    with Load(suite.url(), manager.s.headers["Authorization"][7:], customers) as load:
        time.sleep(2)
        fault()
        time.sleep(settle)
        mend()
        time.sleep(3)
    return load


@pytest.mark.parametrize("fault", ["kill -9 a worker", "kill -9 a service", "broker restart", "database restart"])
def test_the_suite_survives_faults_under_load(fault, chaos_suite, private, mongo, writer):
    suite = chaos_suite
    if fault == "kill -9 a worker":
        def inject():                     # one replica of each: the relay and the consumer die mid-batch
            _kill9(suite, "customer-worker")
            _kill9(suite, "engagement-worker#2")

        def mend():
            suite.start("customer-worker")
            suite.start("engagement-worker#2")
    elif fault == "kill -9 a service":
        def inject():
            _kill9(suite, "engagement")

        def mend():
            suite.start("engagement")
            suite.wait_ready("engagement", timeout=60)
    elif fault == "broker restart":
        def inject():
            private.broker("stop_app")

        def mend():
            private.broker("start_app")
    else:
        def inject():
            private.devstack("ferretdb.sh", "stop")

        def mend():
            private.devstack("ferretdb.sh", "start")
    load = _under_load(suite, writer, inject, mend)
    print(f"{fault}: answers {dict(Counter(str(r[2]) for r in load.results))}")
    _assert_sound(load, mongo, private, suite, fault)
