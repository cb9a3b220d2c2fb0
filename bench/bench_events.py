"""Event latency: a customer registered → the engagement service knows the customer.

    .venv/bin/python -m bench.bench_events                        # 50/s and 200/s, 20 s each
    .venv/bin/python -m bench.bench_events --seconds 5 --rates 50  # a quick look

Needs the backing servers (make devstack). Starts the suite's real processes as the
tests do (tests/support.py Suite: gunicorn with gunicorn.conf.py for the customer
service, the customer and engagement workers) on a database prefix and exchange of
its own, twice in the same run:

* baseline, relay only: CRM_PUBLISH_ON_COMMIT=0 and the relay polling every
  --baseline-interval seconds (0.5, what the suite shipped before publish on commit);
* publish on commit (the defaults).

At each rate, registrations are sent open-loop (at fixed times, whatever the answers
do) with POST /api/v1/customers straight to the customer service; from each 201 the
clock runs until engagement's copy of the customer (customer_snapshots, written by its
consumer from customer.customer.registered) was written: the copy's ``updated_at``,
stamped by the consumer (chassis.copies) on the same machine's clock, minus the wall
time the 201 arrived. A copy written before the 201 reached the client counts as 0.
The copies are read once the sending is over, by _id: polling while sending (as this
benchmark first did, one find_one per pending customer every few ms) loaded the
database the consumer writes to and made the latency it measured. Prints p50/p95/p99 of
that latency and of the POST itself per mode, and the ratio of publish on commit to the
baseline. Not part of pytest.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from pathlib import Path
from typing import Any

if __package__ in (None, ""):          # also runnable as `python bench/bench_events.py` (make bench)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pika
import requests

from chassis.config import VARIABLES

TARGET_P99_MS = 50.0


def pct(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


class Run:
    """One rate against one running suite: open-loop registrations, then the copies read by _id."""

    def __init__(self, base: str, headers: dict[str, str], snapshots: Any, poll: float):
        self.base, self.headers, self.snapshots, self.poll = base, headers, snapshots, poll
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.posts: list[float] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
            s.headers.update(self.headers)
        return s

    def register(self) -> None:
        body = {"kind": "individual", "name": f"基准{uuid.uuid4().hex[:8]}", "tags": ["bench"]}
        t0 = time.perf_counter()
        try:
            r = self._session().post(self.base + "/api/v1/customers", json=body, timeout=30)
        except requests.RequestException:
            r = None
        t1, wall = time.perf_counter(), time.time()
        if r is None or r.status_code != 201:
            with self.lock:
                self.failures += 1
            return
        with self.lock:
            self.posts.append(t1 - t0)
            self.pending[r.json()["id"]] = wall

    def _collect(self, deadline: float) -> None:
        """Read the copies written so far; each one's latency is its consumer's stamp
        minus the 201's arrival (BSON datetimes hold milliseconds)."""
        while self.pending and time.perf_counter() < deadline:
            for cid, answered in list(self.pending.items()):
                doc = self.snapshots.find_one({"_id": cid}, {"updated_at": 1})
                if doc:
                    written = doc["updated_at"].replace(tzinfo=timezone.utc).timestamp()
                    self.latencies.append(max(0.0, written - answered))
                    del self.pending[cid]
            if self.pending:
                time.sleep(self.poll)

    def go(self, rate: float, seconds: float) -> None:
        n = int(rate * seconds)
        start = time.perf_counter() + 0.2
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(n):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.register)
        self._collect(time.perf_counter() + 30)


def _queue_ready(name: str, params: pika.URLParameters) -> bool:
    conn = pika.BlockingConnection(params)
    try:
        conn.channel().queue_declare(name, passive=True)
        return True
    except Exception:
        return False
    finally:
        if conn.is_open:
            conn.close()


def measure(mode: str, env: dict[str, str], rates: list[float], seconds: float, poll: float,
            log_dir: Path) -> dict[float, Run]:
    from tests import support
    suite = support.Suite(log_dir)
    suite.env.update(env)
    results: dict[float, Run] = {}
    try:
        for name in ("customer", "customer-worker", "engagement-worker"):
            suite.start(name)
        suite.wait_ready("customer")
        # The engagement worker binds its queue on start; events sent before would go unrouted.
        support.wait_for(lambda: _queue_ready(f"{support.EXCHANGE}.engagement", support.pika_params()),
                         timeout=60, interval=0.3, what="the engagement queue")
        headers = support.as_user("bench-admin", "admin")
        snapshots = support.db("engagement")["customer_snapshots"]
        warm = Run(suite.url("customer"), headers, snapshots, poll)
        warm.go(10, 1.0)   # connections, caches, the first publisher links
        for rate in rates:
            run = Run(suite.url("customer"), headers, snapshots, poll)
            run.go(rate, seconds)
            results[rate] = run
            report_line(mode, rate, run)
    finally:
        suite.stop_all()
        # The next mode starts from nothing: a backlog left in this mode's outbox or queue
        # (at a rate the suite cannot keep up with) would otherwise be the next one's delay.
        support.cleanup_databases()
        support.cleanup_broker()
    return results


def ms(x: float) -> str:
    return f"{x * 1000:8.1f}"


def report_line(mode: str, rate: float, run: Run) -> None:
    lat, posts = run.latencies, run.posts
    lost = len(run.pending)
    print(f"  {mode:<18} {rate:>5.0f}/s  n={len(lat):>5}  event p50 {ms(pct(lat, 50))} p95 {ms(pct(lat, 95))} "
          f"p99 {ms(pct(lat, 99))} ms | POST p50 {ms(pct(posts, 50))} p99 {ms(pct(posts, 99))} ms"
          f"{f' | {run.failures} POSTs failed' if run.failures else ''}{f' | {lost} never arrived' if lost else ''}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="50,200", help="registrations per second, comma-separated")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per rate and mode")
    ap.add_argument("--poll-ms", type=float, default=200.0, help="pause between passes over the copies still missing")
    ap.add_argument("--baseline-interval", default="0.5",
                    help="relay poll interval of the relay-only baseline (0.5: before publish on commit)")
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    os.environ.setdefault("CRM_TEST_RUN_ID", "bench" + uuid.uuid4().hex[:6])
    from tests import support
    support.require_servers()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-events-"))
    print(f"registration → engagement knows the customer; {args.seconds:.0f} s per rate; logs in {log_dir}")
    modes = {"relay only": {"CRM_PUBLISH_ON_COMMIT": "0", "CRM_RELAY_INTERVAL": args.baseline_interval},
             "publish on commit": {"CRM_PUBLISH_ON_COMMIT": "1",
                                   "CRM_RELAY_INTERVAL": VARIABLES["CRM_RELAY_INTERVAL"][0] or "1.0"}}
    results: dict[str, dict[float, Run]] = {}
    try:
        for mode, env in modes.items():
            results[mode] = measure(mode, env, rates, args.seconds, args.poll_ms / 1000, log_dir)
    finally:
        support.cleanup_databases()
        support.cleanup_broker()
    print()
    print("| rate | measure | relay only (baseline) | publish on commit | ratio |")
    print("|---|---|---|---|---|")
    for rate in rates:
        base, new = results["relay only"][rate], results["publish on commit"][rate]
        for label, attr, p in (("event p50", "latencies", 50), ("event p95", "latencies", 95),
                               ("event p99", "latencies", 99), ("POST p50", "posts", 50), ("POST p99", "posts", 99)):
            x, y = pct(getattr(base, attr), p), pct(getattr(new, attr), p)
            print(f"| {rate:.0f}/s | {label} | {x * 1000:.1f} ms | {y * 1000:.1f} ms | {y / x:.3f} |")
    p99 = pct(results["publish on commit"][rates[0]].latencies, 99) * 1000
    verdict = "meets" if p99 <= TARGET_P99_MS else "misses"
    print(f"\npublish on commit at {rates[0]:.0f}/s: event p99 {p99:.1f} ms, {verdict} the target "
          f"p99 ≤ {TARGET_P99_MS:.0f} ms")


if __name__ == "__main__":
    main()
