"""Gateway overhead and fan-out, against calling the services directly.

    .venv/bin/python -m bench.bench_gateway        (needs FerretDB and RabbitMQ: make devstack)

Starts the three services, their workers and the gateway under gunicorn with the
configuration that ships (tests.support.Suite: gunicorn.conf.py, as in the Procfile and
docker-compose.yml) on a fresh database prefix, then measures from one client machine:
  1. pass-through GET of one customer via the gateway vs direct to the customer
     service (direct carries an X-Identity built with chassis.identity.issue):
     p50 latency ratio (sequential) and throughput ratio (fixed request count, small pool);
     and the same through bench/floor_proxy.py, a bare Flask proxy under the same gunicorn
     settings (the framework floor), so the gateway's own cost reads against it;
  2. customer 360 p50 vs the p50 of the slowest single upstream call it makes.
Targets (issue 6): latency ≤ 1.25×, throughput ≥ 0.8×, 360 ≤ 1.3× slowest upstream.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):          # also runnable as `python bench/bench_gateway.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from chassis import identity as ident
from tests import support

WARMUP = 50
SEQUENTIAL = 400
THROUGHPUT_REQUESTS = 1200
THREADS = 4
ROUNDS = 3


def p50(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def throughput(url: str, headers: dict, n: int, threads: int) -> float:
    local = [requests.Session() for _ in range(threads)]

    def worker(i):
        s = local[i]
        for _ in range(n // threads):
            r = s.get(url, headers=headers, timeout=10)
            assert r.status_code == 200, r.text
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return (n // threads * threads) / (time.perf_counter() - t0)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def getter(url: str, headers: dict):
    s = requests.Session()

    def get():
        r = s.get(url, headers=headers, timeout=10)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        return r
    return get


def main() -> None:
    support.require_servers()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    suite = support.Suite(log_dir)
    suite.env["CRM_LOG_LEVEL"] = "WARNING"      # same for every process; request logs would dominate
    floor = None
    try:
        suite.start_all()
        admin = support.login(suite.url(), *support.ADMIN)
        manager = support.new_user(admin, "manager")
        r = manager.post("/api/v1/customers", json={"kind": "individual", "name": "基准客户"})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        direct_h = {ident.HEADER: ident.issue(ident.Identity(user_id=manager.id, role=ident.MANAGER),
                                               support.SECRET, ttl=3600)}
        gw_h = {"Authorization": manager.s.headers["Authorization"]}
        upstream = {
            "customer": suite.url("customer") + f"/api/v1/customers/{cid}",
            "engagement": suite.url("engagement") + f"/api/v1/engagement/customers/{cid}/summary",
            "feedback": suite.url("feedback") + f"/api/v1/feedback/customers/{cid}/summary",
        }
        # the summaries need the services' copies of the customer (built from events)
        for name in ("engagement", "feedback"):
            support.wait_for(lambda name=name: requests.get(upstream[name], headers=direct_h,
                                                            timeout=5).status_code == 200,
                             timeout=30, what=f"{name} to know the customer")

        floor_port = support.free_port(18009)
        floor_log = open(log_dir / "floor.log", "ab")
        floor = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(support.ROOT / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{floor_port}", "bench.floor_proxy:app"], cwd=support.ROOT,
            env={**suite.env, "FLOOR_UPSTREAM": suite.url("customer"), "FLOOR_IDENTITY": direct_h[ident.HEADER]},
            stdout=floor_log, stderr=subprocess.STDOUT)
        floor_url = f"http://127.0.0.1:{floor_port}/api/v1/customers/{cid}"
        support.wait_for(lambda: _answers(floor_url), timeout=30, what="the floor proxy")
        direct = getter(upstream["customer"], direct_h)
        via = getter(suite.url() + f"/api/v1/customers/{cid}", gw_h)
        bare = getter(floor_url, {})
        view = getter(suite.url() + f"/api/v1/views/customer-360/{cid}", gw_h)
        ups = {k: getter(u, direct_h) for k, u in upstream.items()}
        assert view().json()["missing"] == [], view().json()["missing"]
        for fn in (direct, via, bare, view, *ups.values()):
            for _ in range(WARMUP):
                fn()

        # rounds alternate so drift on a shared machine hits both sides alike
        fan = ThreadPoolExecutor(3)
        par_sessions = {k: getter(u, direct_h) for k, u in upstream.items()}

        def parallel_direct():
            # the same three calls made in parallel by the client itself: what the machine
            # allows for parallel fan-out when the upstreams compete for its CPUs
            list(fan.map(lambda k: par_sessions[k](), list(upstream)))

        lat_d, lat_g, lat_f, tp_d, tp_g, tp_f, v360, slow, par = [], [], [], [], [], [], [], [], []
        for _ in range(ROUNDS):
            lat_d.append(p50(direct, SEQUENTIAL))
            lat_g.append(p50(via, SEQUENTIAL))
            lat_f.append(p50(bare, SEQUENTIAL))
            tp_d.append(throughput(upstream["customer"], direct_h, THROUGHPUT_REQUESTS, THREADS))
            tp_g.append(throughput(suite.url() + f"/api/v1/customers/{cid}", gw_h, THROUGHPUT_REQUESTS, THREADS))
            tp_f.append(throughput(floor_url, {}, THROUGHPUT_REQUESTS, THREADS))
            per = {k: p50(fn, SEQUENTIAL // 2) for k, fn in ups.items()}
            slow.append(max(per.values()))
            v360.append(p50(view, SEQUENTIAL // 2))
            par.append(p50(parallel_direct, SEQUENTIAL // 2))
        ld, lg, lf = statistics.median(lat_d), statistics.median(lat_g), statistics.median(lat_f)
        td, tg, tf = statistics.median(tp_d), statistics.median(tp_g), statistics.median(tp_f)
        vs, sl, pd = statistics.median(v360), statistics.median(slow), statistics.median(par)
        print(f"pass-through GET customer  p50 direct {ld * 1000:.2f} ms  via gateway {lg * 1000:.2f} ms  "
              f"ratio {lg / ld:.2f}  (target ≤ 1.25)")
        print(f"pass-through throughput    direct {td:.0f}/s  via gateway {tg:.0f}/s  "
              f"ratio {tg / td:.2f}  (target ≥ 0.80; {THREADS} client threads, {THROUGHPUT_REQUESTS} requests)")
        print(f"framework floor (bare Flask proxy, same gunicorn settings): p50 {lf * 1000:.2f} ms "
              f"ratio {lf / ld:.2f} of direct; throughput {tf:.0f}/s ratio {tf / td:.2f}")
        print(f"gateway against the floor: latency {lg / lf:.2f}×, throughput {tg / tf:.2f}×")
        print(f"customer 360               p50 {vs * 1000:.2f} ms  slowest upstream p50 {sl * 1000:.2f} ms  "
              f"ratio {vs / sl:.2f}  (target ≤ 1.30)")
        print(f"customer 360 vs the same three calls in parallel from the client ({pd * 1000:.2f} ms): "
              f"ratio {vs / pd:.2f}  (on {os.cpu_count()} CPUs; CPU-bound upstreams cannot all run at once)")
    finally:
        if floor is not None:
            floor.terminate()
            floor.wait(10)
        suite.stop_all()
        support.cleanup_databases()
        support.cleanup_broker()


if __name__ == "__main__":
    main()
