"""Customer search at branch scale: exact search and a manager's book page, through the
service, beside the raw driver query on the same server in the same run.

    .venv/bin/python -m bench.bench_scale --n 20000            # quick, on the shared machine
    .venv/bin/python -m bench.bench_scale --n 100000           # the issue's figure (one branch)

Seeds N customers (200 managers by default, so a book holds N/200) with raw
insert_many of the documents the service itself builds (service.new_customer), into the
collection with the service's indexes — not through HTTP, so seeding 100,000 takes a
couple of minutes. Then, per query kind, p95 of:

* service  — GET /api/v1/customers through the service (Flask test client, in process:
             identity, validation, visibility filter, masking, JSON);
* query    — the same filter, projection, sort and limit sent with pymongo: the floor
             the service stands on;
* _id read — one find_one({"_id": ...}) with pymongo: the floor of any read here.

On the devstack FerretDB the query is answered from the index by the patch in
devstack/ferretdb/patches (equality on an index's leading field); without it every one
of these scans the collection.

Uses its own database (bench<random>_customer), dropped at the end (--keep to keep).
Needs the backing servers (make devstack). Not part of pytest.
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import time
import uuid
from datetime import date
from typing import Any

import pymongo

from bench.bench_customer import people
from chassis import identity as ident
from chassis.config import env_required

SECRET = secrets.token_hex(32)
PAGE = 50
TARGETS = {"mobile": 20, "id_number": 20, "book page 1": 50, "book page 2": 50}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def timed(fn) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="customers to seed (default 20000)")
    ap.add_argument("--managers", type=int, default=200, help="managers the customers are spread over (200)")
    ap.add_argument("--samples", type=int, default=40, help="service and _id samples per kind (40)")
    ap.add_argument("--query-samples", type=int, default=40,
                    help="samples of the raw query per kind (40)")
    ap.add_argument("--backend", default="FerretDB 1.24 SQLite", help="label printed with the figures")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()

    prefix = "bench" + uuid.uuid4().hex[:6]
    mongo_url = env_required("CRM_MONGO_URL")
    from services.customer import service
    from services.customer.api.customers import LIST_PROJECTION
    from services.customer.app import create_app
    from services.customer.importer import CustomerIn
    from services.customer.queries import customer_filter
    from services.customer.schemas import SORTS
    app = create_app(db_prefix=prefix, internal_secret=SECRET, log_level="WARNING")
    client = app.test_client()
    admin = ident.Identity(user_id="bench-admin", role=ident.ADMIN)
    mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_url, tz_aware=True)
    db = mongo[f"{prefix}_customer"]
    coll = db["customers"]
    print(f"{args.backend} at {mongo_url}; database {db.name}; {args.n} customers, "
          f"{args.managers} managers ({args.n // args.managers} per book)")
    try:
        rows = list(people(args.n))
        for i, r in enumerate(rows):
            r["manager_id"] = f"bm{i % args.managers:04d}"
            r.pop("branch", None)   # the branch follows the manager (service._owner)
        from services.customer.models import Customer
        with app.app_context():
            Customer.ensure_indexes()       # as the service has them, before the data
        t0 = time.perf_counter()
        schema = CustomerIn()
        with app.test_request_context():
            version, rule_set = service.current_rules()
            for i in range(0, len(rows), 1000):
                states = []
                for r in rows[i:i + 1000]:
                    owner = ident.Identity(user_id=r["manager_id"], role=ident.MANAGER, branch="b001")
                    doc = service.new_customer(schema.load(r), owner, version, rule_set)
                    doc.version, doc.created_at, doc.updated_at = 1, service.now(), service.now()
                    states.append(doc.to_mongo().to_dict())
                coll.insert_many(states, ordered=False)
        print(f"seeded in {time.perf_counter() - t0:.0f} s (raw insert_many)")

        picks = random.sample(rows, min(args.samples, len(rows)))
        ids_sample = [d["_id"] for d in coll.find({}, {"_id": 1}).limit(args.samples)]

        def svc(who: ident.Identity, url: str) -> dict:
            r = client.get(url, headers={ident.HEADER: ident.issue(who, SECRET, ttl=3600)})
            assert r.status_code == 200, r.get_json()
            return r.get_json()

        def raw_query(q: dict, who: ident.Identity, cursor: str | None = None) -> list:
            from chassis.http import page
            with app.test_request_context():
                filt = customer_filter(q, who, date.today(), 12)
            return page(coll, filt, SORTS["name"], PAGE, cursor, LIST_PROJECTION)[0]

        results = []
        for kind in TARGETS:
            s_ms, q_ms, id_ms = [], [], []
            for n, p in enumerate(picks):
                manager = ident.Identity(user_id=p["manager_id"], role=ident.MANAGER)
                if kind == "mobile":
                    q, who = {"mobile": p["mobile"]}, admin
                elif kind == "id_number":
                    q, who = {"id_number": p["id_number"]}, admin
                else:
                    q, who = {"manager_id": p["manager_id"]}, manager
                url = "/api/v1/customers?" + "&".join(f"{k}={v}" for k, v in q.items()) + f"&limit={PAGE}"
                cursor = None
                if kind == "book page 2":
                    cursor = svc(who, url)["next_cursor"]
                    url += f"&cursor={cursor}"
                ms, body = timed(lambda: svc(who, url))  # noqa: B023 (called at once)
                assert body["items"], (kind, q)
                s_ms.append(ms)
                if n < args.query_samples:
                    ms, got = timed(lambda: raw_query(q, who, cursor))  # noqa: B023
                    assert [g["_id"] for g in got] == [i["id"] for i in body["items"]], kind  # same answer
                    q_ms.append(ms)
                ms, _ = timed(lambda: coll.find_one({"_id": ids_sample[n % len(ids_sample)]}))  # noqa: B023
                id_ms.append(ms)
            results.append((kind, p95(s_ms), p95(q_ms), p95(id_ms)))
            print(f"  {kind}: service median {statistics.median(s_ms):.1f} ms, samples {[round(x) for x in s_ms]}")

        print("\n== p95 (ms) ==")
        print(f"{'query':<13}{'service':>9}{'query':>10}{'_id read':>10}{'svc/query':>11}{'svc/_id':>9}{'target':>8}")
        for kind, svc_p, query_p, id_p in results:
            print(f"{kind:<13}{svc_p:>9.1f}{query_p:>10.1f}{id_p:>10.2f}{svc_p / query_p:>11.4f}"
                  f"{svc_p / id_p:>9.1f}{TARGETS[kind]:>8}")
    finally:
        if not args.keep:
            mongo.drop_database(f"{prefix}_customer")


if __name__ == "__main__":
    main()
