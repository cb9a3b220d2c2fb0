"""What the request metrics cost: a Flask route with and without chassis.metrics, in the
multiprocess mode gunicorn runs them in (samples written to mmap'd files).

    .venv/bin/python -m bench.bench_metrics --n 5000

No servers needed. Both apps run in this process through Flask's test client, interleaved
in rounds so a busy machine slows both alike; the figure is the ratio of the best round of
each, and the microseconds the metrics add per request.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

# Before prometheus_client is imported, as gunicorn.conf.py does for every web process.
_DIR = tempfile.mkdtemp(prefix="crm-bench-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _DIR

from flask import Flask  # noqa: E402

from chassis import metrics  # noqa: E402


def client(with_metrics: bool):
    app = Flask("bench")
    if with_metrics:
        metrics.install(app, None)

    @app.get("/api/v1/things/<thing_id>")
    def thing(thing_id: str):
        return {"id": thing_id}

    return app.test_client()


def per_request(c, n: int) -> float:
    t = time.perf_counter()
    for i in range(n):
        c.get(f"/api/v1/things/{i}")
    return (time.perf_counter() - t) / n


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=3000, help="requests per round and app")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    plain, measured = client(False), client(True)
    per_request(plain, 200), per_request(measured, 200)   # warm up
    base, with_ = [], []
    for _ in range(a.rounds):
        base.append(per_request(plain, a.n))
        with_.append(per_request(measured, a.n))
    b, w = min(base), min(with_)
    print(f"request metrics (multiprocess mode): {w / b:.2f}x a route without them "
          f"(+{(w - b) * 1e6:.0f} us per request; baseline {b * 1e6:.0f} us through Flask's test client)")
    shutil.rmtree(_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
