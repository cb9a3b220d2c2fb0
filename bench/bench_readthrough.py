"""Read your own writes (#11): what the read-through costs the first contact with a new
customer, and how long a client used to wait for it.

    .venv/bin/python -m bench.bench_readthrough [--rounds 40]   (needs make devstack)

Starts the whole suite under gunicorn as shipped (tests.support.Suite) on a fresh
database prefix, then alternates two kinds of rounds through the gateway, so drift on a
shared machine hits both alike:
  * read-through: register a customer, at once POST its first interaction (engagement
    has no copy yet, so it reads the customer through from the customer service);
  * baseline: register a customer, wait until engagement's copy exists (the events), then
    POST its first interaction (served from the copy).
Prints p50/p95 of that POST in both, with the ratio, and p50/p95 of registration → copy
by events (the window a client met 404 in before the read-through), beside the
read-through's register → first contact answered.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):          # also runnable as `python bench/bench_readthrough.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import support


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40, help="rounds of each kind (default 40)")
    args = parser.parse_args()
    support.require_servers()
    suite = support.Suite(Path(tempfile.mkdtemp(prefix="bench-readthrough-")))
    suite.env["CRM_LOG_LEVEL"] = "WARNING"
    try:
        suite.start_all()
        admin = support.login(suite.url(), *support.ADMIN)
        manager = support.new_user(admin, "manager")
        copies = support.db("engagement").customer_snapshots

        def register() -> tuple[str, float]:
            r = manager.post("/api/v1/customers", json={"kind": "individual", "name": f"客户{uuid.uuid4().hex[:6]}"})
            assert r.status_code == 201, r.text
            return r.json()["id"], time.perf_counter()

        def contact(cid: str) -> float:
            t0 = time.perf_counter()
            r = manager.post("/api/v1/engagement/interactions",
                             json={"customer_id": cid, "channel": "phone", "purpose": "首次联系"})
            assert r.status_code == 201, r.text
            return time.perf_counter() - t0

        for _ in range(5):                                    # warm up both paths
            contact(register()[0])
        through, known, window, first = [], [], [], []
        hits = 0
        for _ in range(args.rounds):
            cid, registered = register()
            hits += copies.find_one({"_id": cid}, {"_id": 1}) is None
            through.append(contact(cid))
            first.append(time.perf_counter() - registered)

            cid, registered = register()
            support.wait_for(lambda cid=cid: copies.find_one({"_id": cid}, {"_id": 1}), timeout=30, interval=0.002,
                             what="engagement's copy")
            window.append(time.perf_counter() - registered)
            known.append(contact(cid))

        ms = 1000
        print(f"first contact POST, p50: read-through {statistics.median(through) * ms:.1f} ms, "
              f"copy present {statistics.median(known) * ms:.1f} ms, ratio "
              f"{statistics.median(through) / statistics.median(known):.2f}")
        print(f"first contact POST, p95: read-through {pct(through, .95) * ms:.1f} ms, "
              f"copy present {pct(known, .95) * ms:.1f} ms, ratio {pct(through, .95) / pct(known, .95):.2f}")
        print(f"registration → engagement's copy by events (the old 404 window): p50 "
              f"{statistics.median(window) * ms:.1f} ms, p95 {pct(window, .95) * ms:.1f} ms; "
              f"registration → first contact answered with the read-through: p50 "
              f"{statistics.median(first) * ms:.1f} ms "
              f"(ratio {statistics.median(first) / statistics.median(window):.2f})")
        print(f"read-through rounds that found no copy yet: {hits}/{args.rounds} "
              f"(CRM_RELAY_INTERVAL {suite.env['CRM_RELAY_INTERVAL']} s in this suite)")
    finally:
        suite.stop_all()
        support.cleanup_databases()
        support.cleanup_broker()


if __name__ == "__main__":
    main()
