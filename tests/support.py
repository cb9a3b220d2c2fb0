"""Helpers the integration and e2e tests share: real servers only.

``make test`` starts FerretDB and RabbitMQ (devstack/up.sh); these helpers fail
loudly (never skip) when they are not there. Each test session gets its own
database prefix and exchange, so it never touches a running dev suite's data.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pika
import pymongo
import requests

from chassis import identity as ident

ROOT = Path(__file__).resolve().parent.parent
MONGO_URL = os.environ.get("CRM_MONGO_URL", "mongodb://127.0.0.1:27017")
AMQP_URL = os.environ.get("CRM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
RUN_ID = os.environ.get("CRM_TEST_RUN_ID") or uuid.uuid4().hex[:8]
DB_PREFIX = f"t{RUN_ID}"
EXCHANGE = f"t{RUN_ID}.events"
# A real random secret per run: the suite starts as a deployment would, without
# CRM_DEV_MODE, so the refusal of development secrets is exercised by every run.
SECRET = secrets.token_hex(32)
OUTREACH_CALLBACK_TOKEN = secrets.token_hex(16)


def pika_params() -> pika.URLParameters:
    # kombu spells the default vhost "//"; pika wants it percent-encoded.
    url = AMQP_URL[:-2] + "/%2F" if AMQP_URL.endswith("//") else AMQP_URL
    return pika.URLParameters(url)


def require_servers() -> None:
    try:
        pymongo.MongoClient(MONGO_URL, serverSelectionTimeoutMS=3000).admin.command("ping")
    except Exception as exc:
        raise RuntimeError(f"No MongoDB-compatible server at {MONGO_URL}: run `make devstack` "
                           f"(or `make test`, which starts it). {exc!r}") from None
    try:
        pika.BlockingConnection(pika_params()).close()
    except Exception as exc:
        raise RuntimeError(f"No RabbitMQ at {AMQP_URL}: run `make devstack`. {exc!r}") from None


def overrides(**extra) -> dict:
    """Settings overrides for in-process apps and workers of this test run."""
    return {"db_prefix": DB_PREFIX, "exchange": EXCHANGE, "mongo_url": MONGO_URL,
            "amqp_url": AMQP_URL, "internal_secret": SECRET, "relay_interval": 0.1,
            "retry_delay_ms": 200, **extra}


def token(user_id: str = "m1", role: str = ident.MANAGER, **kw) -> str:
    return ident.issue(ident.Identity(user_id=user_id, role=role, **kw), SECRET, ttl=600)


def as_user(user_id: str = "m1", role: str = ident.MANAGER, **kw) -> dict:
    """Headers that make an in-process service see this caller."""
    return {ident.HEADER: token(user_id, role, **kw)}


def mongo() -> pymongo.MongoClient:
    return pymongo.MongoClient(MONGO_URL, tz_aware=True)


def db(service: str):
    return mongo()[f"{DB_PREFIX}_{service}"]


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@contextmanager
def running_worker(service: str, **extra):
    """Run a service's worker (relay, consumer, jobs) in a thread of this process."""
    import importlib
    module = importlib.import_module("gateway.worker" if service == "gateway" else f"services.{service}.worker")
    stop = threading.Event()
    t = threading.Thread(target=module.main, kwargs={**overrides(**extra), "stop": stop}, daemon=True)
    t.start()
    try:
        yield stop
    finally:
        stop.set()
        t.join(timeout=15)


def run_imports(lease_seconds: float = 30.0) -> int:
    """Run the waiting import jobs here, as the customer worker's imports thread does."""
    from chassis import db as dbmod
    from services.customer import importrun
    with dbmod.using(db("customer")):
        return importrun.work(lease_seconds)


def imported(client, headers: dict, **post) -> dict:
    """POST /api/v1/imports to an in-process customer app (202 with a job), run the job
    and return it finished, as GET /api/v1/imports/{id} shows it."""
    r = client.post("/api/v1/imports", headers=headers, **post)
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["status"] == "queued" and r.headers["Location"] == f"/api/v1/imports/{job['id']}"
    run_imports()
    done = client.get(r.headers["Location"], headers=headers)
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def awaited(client: "Client", **post) -> dict:
    """POST /api/v1/imports through the gateway and wait for the suite's worker to finish it."""
    r = client.post("/api/v1/imports", **post)
    assert r.status_code == 202, r.text
    where = r.headers["Location"]

    def finished():
        job = client.get(where).json()
        return job if job["status"] in ("done", "failed", "cancelled") else None
    return wait_for(finished, timeout=60, interval=0.2, what="the import job to finish")


class ExchangeTap:
    """Watches the event exchange from outside with pika, an independent AMQP client."""

    def __init__(self, routing_key: str = "#", exchange: str = EXCHANGE):
        self.conn = pika.BlockingConnection(pika_params())
        self.ch = self.conn.channel()
        self.ch.exchange_declare(exchange=f"{exchange}.unrouted", exchange_type="fanout", durable=True)
        self.ch.exchange_declare(exchange=exchange, exchange_type="topic", durable=True,
                                 arguments={"alternate-exchange": f"{exchange}.unrouted"})
        self.queue = self.ch.queue_declare(queue="", exclusive=True).method.queue
        self.ch.queue_bind(queue=self.queue, exchange=exchange, routing_key=routing_key)

    def messages(self):
        out = []
        while True:
            method, props, body = self.ch.basic_get(self.queue, auto_ack=True)
            if method is None:
                return out
            out.append((method, props, json.loads(body)))

    def wait(self, predicate, timeout: float = 15.0):
        seen = []

        def check():
            seen.extend(self.messages())
            return [m for m in seen if predicate(m[2])]
        return wait_for(check, timeout, what="an event on the exchange")

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass


def samples(exposition: str) -> dict[tuple[str, frozenset], float]:
    """A Prometheus text exposition parsed (by prometheus_client's own parser, so a malformed
    one fails the test): (series name, labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(exposition) for s in family.samples}


def sample(exposition: str, name: str, **labels) -> float:
    """One series' value; 0 when it is not there yet (a counter nobody has touched)."""
    return samples(exposition).get((name, frozenset(labels.items())), 0.0)


def cleanup_broker(prefix: str = f"t{RUN_ID}") -> None:
    """Delete this run's queues and exchanges."""
    try:
        out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name"], capture_output=True,
                             text=True, timeout=30).stdout.split()
    except Exception:
        return
    conn = pika.BlockingConnection(pika_params())
    ch = conn.channel()
    for q in out:
        if q.startswith(prefix):
            ch.queue_delete(q)
    for ex in (EXCHANGE, f"{EXCHANGE}.unrouted"):
        ch.exchange_delete(ex)
    conn.close()


def cleanup_databases() -> None:
    client = mongo()
    for name in client.list_database_names():
        if name.startswith(DB_PREFIX + "_"):
            client.drop_database(name)


# --- the whole suite as real processes (e2e) ---------------------------------------

PORTS = {"gateway": 18000, "customer": 18001, "engagement": 18002, "feedback": 18003,
         # each worker's /metrics (CRM_WORKER_METRICS_ADDR)
         "gateway-worker": 18400, "customer-worker": 18401, "engagement-worker": 18402, "feedback-worker": 18403}
ADMIN = ("admin", "e2e-admin-password-long")
# Smaller than the 64 MiB default so the over-limit import test sends little; every
# import the e2e tests make fits easily.
E2E_IMPORT_LIMIT = 2 * 1024 * 1024


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


class Suite:
    """Gateway, the three services (gunicorn) and their workers, as subprocesses."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.ports = {name: free_port(p) for name, p in PORTS.items()}
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "CRM_MONGO_URL": MONGO_URL, "CRM_AMQP_URL": AMQP_URL, "CRM_DB_PREFIX": DB_PREFIX,
            "CRM_EXCHANGE": EXCHANGE, "CRM_INTERNAL_SECRET": SECRET,
            "CRM_JWT_SECRET": SECRET + "-jwt", "CRM_RELAY_INTERVAL": "0.1", "CRM_RETRY_DELAY_MS": "200",
            "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1],
            "CRM_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
            "CRM_TRUSTED_PROXIES": "127.0.0.1",   # the tests play the proxy (X-Forwarded-For)
            "CRM_MAX_IMPORT_BYTES": str(E2E_IMPORT_LIMIT),
            **{f"CRM_{s.upper()}_URL": f"http://127.0.0.1:{self.ports[s]}"
               for s in ("customer", "engagement", "feedback")},
        }

    def url(self, name: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        """Start a process by name; ``<name>#<n>`` starts another replica of it."""
        bin_dir = Path(sys.executable).parent
        base = name.partition("#")[0]
        env = self.env
        if base.endswith("-worker"):
            owner = base[:-7]
            cmd = [sys.executable, "-m", "gateway.worker" if owner == "gateway" else f"services.{owner}.worker"]
            # a replica (name#n) serves its metrics on a port of the system's choosing
            env = {**env, "CRM_WORKER_METRICS_ADDR": f"127.0.0.1:{self.ports.get(name, 0)}"}
        else:
            module = "gateway.wsgi:app" if base == "gateway" else f"services.{base}.wsgi:app"
            # The one gunicorn configuration every web process runs with (worker class, threads, timeouts).
            cmd = [str(bin_dir / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                   "-b", f"127.0.0.1:{self.ports[base]}", module]
        log = open(self.log_dir / f"{name.replace('#', '-')}.log", "ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop(self, name: str) -> None:
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        path = "/healthz" if name == "gateway" else "/readyz"

        def ok():
            p = self.procs.get(name)
            if p is not None and p.poll() is not None:
                raise AssertionError(f"{name} exited: see {self.log_dir / (name + '.log')}")
            try:
                return requests.get(self.url(name) + path, timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_for(ok, timeout, interval=0.3, what=f"{name} to be ready")

    def start_all(self) -> None:
        for name in ("customer", "engagement", "feedback", "customer-worker", "engagement-worker",
                     "feedback-worker", "gateway-worker", "gateway"):
            self.start(name)
        for name in ("customer", "engagement", "feedback", "gateway"):
            self.wait_ready(name)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


class Client:
    """A logged-in client of the gateway."""

    def __init__(self, base: str, access_token: str, user: dict | None = None):
        self.base = base
        self.user = user or {}
        self.password = ""   # known when new_user made the user
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {access_token}"

    @property
    def id(self) -> str:
        return self.user.get("id", "")

    def request(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.s.request(method, self.base + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def login(base: str, username: str, password: str) -> Client:
    r = requests.post(base + "/api/v1/auth/login", json={"username": username, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    c = Client(base, r.json()["access_token"])
    c.user = c.get("/api/v1/me").json()
    return c


def new_user(admin: Client, role: str, **kw) -> Client:
    """Create a user through the gateway and log in as them."""
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    password = "pw-" + uuid.uuid4().hex
    r = admin.post("/api/v1/users", json={"username": username, "password": password, "role": role, **kw})
    assert r.status_code == 201, r.text
    client = login(admin.base, username, password)
    client.password = password   # for tests that sign in again (the browser tests' sign-in page)
    return client


def register_customer(client: Client, wait_for_copy: str | None = None, **extra) -> str:
    """Create a customer through the gateway; with ``wait_for_copy`` (a path with {id}),
    wait until the service that keeps a copy of it from events answers 200 there."""
    r = client.post("/api/v1/customers", json={"kind": "individual", "name": f"客户{uuid.uuid4().hex[:6]}", **extra})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    if wait_for_copy:
        path = wait_for_copy.format(id=cid)
        wait_for(lambda: client.get(path).status_code == 200, timeout=20, what=f"{path} to exist")
    return cid


def known_staff(user_id: str, role: str = "manager", branch: str = "", team=(), active: bool = True,
                version: int = 1, services=("customer", "engagement", "feedback")) -> None:
    """Put a user into the services' staff directories exactly as their consumers do
    with the gateway's gateway.user.changed event (for in-process integration tests)."""
    from chassis import db as dbmod, directory
    from chassis.events import received
    from contracts import staff
    envelope = staff.USER_CHANGED.new(user_id, {"user_id": user_id, "role": role, "branch": branch or None,
                                                "team": list(team), "active": active}, subject_version=version)
    for service in services:
        with dbmod.using(db(service)):
            directory.apply(received(envelope))
