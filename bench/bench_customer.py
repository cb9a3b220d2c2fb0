"""Customer service benchmark: bulk import and exact searches vs raw pymongo.

    .venv/bin/python -m bench.bench_customer --n 100000

Needs the backing servers (make devstack). Uses its own database prefix and
drops it at the end (--keep to inspect). Not part of pytest.

1. Import: N valid customers as JSON lines through an import job: POST
   /api/v1/imports (the service in-process via Flask's test client; the file is
   stored), then the worker's import step in this process (parsing, validation,
   tiering, events, a change record in the outbox and the customer document per
   row, checkpoints) until the job is done, vs raw pymongo writing the same
   customer documents AND their change records (read back from the service's
   collections after the job) with two insert_many per batch of the same size,
   into collections of the same DB with the same indexes: the floor the outbox
   design imposes. Ratio = job rate / raw rate.
2. Search: p95 latency of GET /api/v1/customers?mobile= / ?id_number= /
   ?manager_id= through the service vs the same filter, projection, sort and
   limit issued directly with pymongo.
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pymongo

from chassis import identity as ident
from chassis.config import env_required

SECRET = secrets.token_hex(32)

PAGE = 50


def people(n: int):
    """n valid, unique individuals: mobiles, ID numbers and external ids never repeat."""
    from services.customer.validators import resident_id_check_char
    start = date(1950, 1, 1)
    for i in range(n):
        birth = start + timedelta(days=i // 1000)
        first17 = "110105" + birth.strftime("%Y%m%d") + f"{i % 1000:03d}"
        yield {"kind": "individual", "external_id": f"bench-{i}", "name": f"客户{i:07d}",
               "mobile": f"139{i:08d}", "id_type": "resident_id",
               "id_number": first17 + resident_id_check_char(first17),
               "manager_id": f"bm{i % 100:03d}", "gender": random.choice(["male", "female"]),
               "financial": {"aum_cents": random.randint(0, 8_000_000_00)},
               "preferred_channels": ["phone"], "tags": ["bench"]}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="customers to import (default 20000)")
    ap.add_argument("--batch", type=int, default=500, help="import batch size (service and baseline)")
    ap.add_argument("--samples", type=int, default=40, help="searches per kind")
    ap.add_argument("--backend", default="FerretDB SQLite",
                    help="label printed with the figures, e.g. 'FerretDB PostgreSQL' (set CRM_MONGO_URL to match)")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()

    prefix = "bench" + uuid.uuid4().hex[:6]
    mongo_url = env_required("CRM_MONGO_URL")
    from chassis import db as dbmod, directory
    from contracts import staff
    from services.customer import importer, importrun
    from services.customer.app import create_app
    from services.customer.queries import customer_filter
    app = create_app(db_prefix=prefix, internal_secret=SECRET, log_level="WARNING")
    client = app.test_client()
    admin = ident.Identity(user_id="bench-admin", role=ident.ADMIN)
    headers = {ident.HEADER: ident.issue(admin, SECRET, ttl=3600)}
    mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_url, tz_aware=True)
    db = mongo[f"{prefix}_customer"]
    importer.BATCH = args.batch
    rows = list(people(args.n))
    body = ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n").encode()
    print(f"{args.backend} at {mongo_url}; database {db.name}; {args.n} customers; batch {args.batch}")
    try:
        with dbmod.using(db):
            for i in range(100):   # the managers the rows name, as the gateway's user events leave them
                directory.apply(staff.USER_CHANGED.new(f"bm{i:03d}", {
                    "user_id": f"bm{i:03d}", "role": "manager", "branch": "b001", "team": [], "active": True},
                    subject_version=1))
            t0, cpu0 = time.perf_counter(), time.process_time()
            r = client.post("/api/v1/imports", data=body, headers={**headers, "Content-Type": "application/x-ndjson"})
            assert r.status_code == 202, r.get_json()
            assert importrun.work(lease_seconds=600) == 1
            svc_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
            # Publish on commit publishes a batch's events while the next batch is written,
            # and settles its outbox marker after; the last batch's publish and settle come
            # after the job; let them finish before the baseline runs (this tail is printed).
            t0 = time.perf_counter()
            publisher = app.extensions.get("crm_publisher")
            if publisher is not None:
                publisher.flush(timeout=120)
            settle_s = time.perf_counter() - t0
        job = client.get(r.headers["Location"], headers=headers).get_json()
        assert job["status"] == "done" and job["accepted"] == args.n, (
            {k: job.get(k) for k in ("status", "accepted", "skipped", "rejected", "error")})

        # The floor: the same customer documents and change records, as the job wrote them
        # (in the outbox, or already moved to history by publish on commit), into twin
        # collections with the same indexes, two insert_many per batch.
        docs = list(db["customers"].find().sort("_id", 1))
        records = {r["aggregate_id"]: r for coll in ("outbox", "changes")
                   for r in db[coll].find({"aggregate_type": "customer"})}
        pairs = [(d, records[d["_id"]]) for d in docs]
        assert len(pairs) == args.n
        twins = {}
        for name in ("customers", "outbox"):
            twin = twins[name] = db[f"baseline_{name}"]
            for idx, spec in db[name].index_information().items():
                if idx != "_id_":
                    twin.create_index(spec["key"], name=idx, unique=spec.get("unique", False))
        t0 = time.perf_counter()
        for i in range(0, len(pairs), args.batch):
            part = pairs[i:i + args.batch]
            twins["outbox"].insert_many([rec for _, rec in part], ordered=False)
            twins["customers"].insert_many([doc for doc, _ in part], ordered=False)
        raw_s = time.perf_counter() - t0
        del docs, records, pairs

        raw_rate, svc_rate = args.n / raw_s, args.n / svc_s
        print("\n== bulk import ==")
        print(f"raw pymongo, customers + change records : {raw_s:8.1f} s  {raw_rate:9.0f} rows/s")
        print(f"import job (POST, then the worker)      : {svc_s:8.1f} s  {svc_rate:9.0f} rows/s"
              f"  (then {settle_s:.1f} s publishing and settling the last batch)")
        print(f"ratio job/raw                           : {svc_rate / raw_rate:8.2f}  (target >= 0.5)")
        # CPU of this process (all its threads) during the job: what the importer's Python
        # costs per row, steadier than wall time on a shared machine.
        print(f"job CPU in this process                 : {cpu_s:8.1f} s  {cpu_s * 1000 / args.n:9.2f} ms/row")

        coll = db["customers"]
        print("\n== search p95 (ms) ==")
        print(f"{'query':<12}{'service':>10}{'pymongo':>10}{'ratio':>8}")
        picks = random.sample(rows, min(args.samples, len(rows)))
        kinds = {
            "mobile": [{"mobile": p["mobile"]} for p in picks],
            "id_number": [{"id_number": p["id_number"]} for p in picks],
            "manager": [{"manager_id": p["manager_id"]} for p in picks],
        }
        from services.customer.api.customers import LIST_PROJECTION
        for kind, params in kinds.items():
            svc, base = [], []
            for q in params:
                url = "/api/v1/customers?" + "&".join(f"{k}={v}" for k, v in q.items())
                t0 = time.perf_counter()
                resp = client.get(url, headers=headers)
                svc.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200 and resp.get_json()["items"], resp.get_json()
                with app.test_request_context():
                    filt = customer_filter(q, admin, date.today(), 12)
                t0 = time.perf_counter()
                got = list(coll.find(filt, LIST_PROJECTION).sort([("name", 1), ("_id", 1)]).limit(PAGE + 1))
                base.append((time.perf_counter() - t0) * 1000)
                assert got
            print(f"{kind:<12}{p95(svc):>10.1f}{p95(base):>10.1f}{p95(svc) / p95(base):>8.2f}")
    finally:
        if not args.keep:
            pymongo.MongoClient(mongo_url).drop_database(f"{prefix}_customer")


if __name__ == "__main__":
    main()
