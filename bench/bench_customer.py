"""Customer service benchmark: bulk import and exact searches vs raw pymongo.

    .venv/bin/python -m bench.bench_customer --n 100000

Needs the backing servers (make devstack). Uses its own database prefix and
drops it at the end (--keep to inspect). Not part of pytest.

1. Import: N valid customers as JSON lines through POST /api/v1/imports (the
   service in-process via Flask's test client: parsing, validation, tiering,
   change records + outbox, events) vs a raw pymongo insert_many of the same
   documents, in batches of the same size, into a collection of the same DB
   with the same unique indexes. Ratio = service rate / raw rate.
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
               "manager_id": f"bm{i % 100:03d}", "branch": "b001", "gender": random.choice(["male", "female"]),
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
    from services.customer import importer, service
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
        # The documents exactly as the service stores them, built outside the timing.
        with app.test_request_context():
            version, rule_set = service.current_rules()
            docs = [service.new_customer(importer.CustomerIn().load(r), admin, version, rule_set).to_mongo().to_dict()
                    for r in rows]
        # Same unique indexes as the service's collection.
        raw = db["baseline_customers"]
        for name, field in (("uniq_mobile", "mobile_key"), ("uniq_id_document", "id_key"),
                            ("uniq_external_id", "external_key")):
            raw.create_index(field, unique=True, name=name)
        raw.create_index([("manager_id", 1), ("name", 1)], name="by_manager")
        t0 = time.perf_counter()
        for i in range(0, len(docs), args.batch):
            raw.insert_many(docs[i:i + args.batch], ordered=False)
        raw_s = time.perf_counter() - t0
        del docs

        t0 = time.perf_counter()
        r = client.post("/api/v1/imports", data=body, headers={**headers, "Content-Type": "application/x-ndjson"})
        svc_s = time.perf_counter() - t0
        rep = r.get_json()
        assert r.status_code == 200 and rep["accepted"] == args.n, (
            r.status_code, {k: rep.get(k) for k in ("accepted", "skipped", "rejected")})
        raw_rate, svc_rate = args.n / raw_s, args.n / svc_s
        print("\n== bulk import ==")
        print(f"raw pymongo insert_many : {raw_s:8.1f} s  {raw_rate:9.0f} docs/s")
        print(f"service POST /imports   : {svc_s:8.1f} s  {svc_rate:9.0f} docs/s")
        print(f"ratio service/raw       : {svc_rate / raw_rate:8.2f}  (target >= 0.5)")

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
