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
import gc
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
ENGAGEMENT_TARGETS = {"timeline page": 50, "worklist": 200}
CHANNELS = ("phone", "wechat", "visit", "sms", "email")
PURPOSES = ("care", "service", "marketing", "follow_up")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def timed(fn) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def settle_heap() -> None:
    """The seed data lives in this process, not in a service's: freeze it out of the garbage
    collector, whose full passes over millions of seeded objects were 0.4 s stalls in the
    middle of a timed request."""
    gc.collect()
    gc.freeze()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="customers to seed (default 20000)")
    ap.add_argument("--managers", type=int, default=200, help="managers the customers are spread over (200)")
    ap.add_argument("--samples", type=int, default=40, help="service and _id samples per kind (40)")
    ap.add_argument("--query-samples", type=int, default=40,
                    help="samples of the raw query per kind (40)")
    ap.add_argument("--backend", default="FerretDB 1.24 SQLite", help="label printed with the figures")
    ap.add_argument("--interactions", type=int, default=10,
                    help="interactions per customer for the timeline and worklist (10: 1,000,000 at 100,000)")
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
        settle_heap()
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
        if args.interactions:
            engagement(args, prefix, mongo, coll)
    finally:
        if not args.keep:
            mongo.drop_database(f"{prefix}_customer")
            mongo.drop_database(f"{prefix}_engagement")


def engagement(args: argparse.Namespace, prefix: str, mongo: pymongo.MongoClient, customers: Any) -> None:
    """A customer's timeline page and a manager's engagement worklist, at N customers and
    N x --interactions interactions: the copies of the customers and the interactions are
    seeded raw (as the consumer and the service store them), the reads go through the
    engagement service in process."""
    from datetime import datetime, timedelta, timezone

    from services.engagement.app import create_app as engagement_app
    from services.engagement.contact_marks import LastContact
    from services.engagement.models import Interaction, Reminder, Visit
    from services.engagement.snapshots import CustomerSnapshot
    app = engagement_app(db_prefix=prefix, internal_secret=SECRET, log_level="WARNING")
    client = app.test_client()
    db = mongo[f"{prefix}_engagement"]
    with app.app_context():
        for model in (CustomerSnapshot, Interaction, Visit, Reminder, LastContact):
            model.ensure_indexes()
    t0 = time.perf_counter()
    snaps = [{"_id": c["_id"], "version": 1, "kind": c.get("kind"), "name": c.get("name"), "tier": c.get("tier"),
              "classes": c.get("classes", []), "tags": c.get("tags", []), "manager_id": c.get("manager_id"),
              "branch": c.get("branch"), "status": c.get("status", "active"), "birth_date": c.get("birth_date")}
             for c in customers.find({}, {"kind": 1, "name": 1, "tier": 1, "classes": 1, "tags": 1,
                                          "manager_id": 1, "branch": 1, "status": 1, "birth_date": 1})]
    for i in range(0, len(snaps), 5000):
        db["customer_snapshots"].insert_many(snaps[i:i + 5000], ordered=False)
    rnd = random.Random(11)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    batch: list[dict] = []
    latest: dict[str, datetime] = {}
    total = 0
    for s in snaps:
        for _ in range(args.interactions):
            at = now - timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60))
            doc = {"_id": uuid.uuid4().hex, "version": 1, "created_at": at, "updated_at": at,
                   "customer_id": s["_id"], "manager_id": s["manager_id"], "branch": s["branch"],
                   "channel": rnd.choice(CHANNELS), "purpose": rnd.choice(PURPOSES),
                   "summary": "电话回访，客户对理财产品到期安排有疑问，约定下周面谈。", "outcome": "reached",
                   "occurred_at": at, "recorded_by": s["manager_id"]}
            if rnd.random() < 0.02:
                doc["follow_up_date"] = datetime(now.year, now.month, now.day) + timedelta(days=rnd.randrange(-3, 10))
                doc["follow_up_day"] = doc["follow_up_date"].date().isoformat()
            batch.append(doc)
            if at > latest.get(s["_id"], at - timedelta(days=1)):
                latest[s["_id"]] = at
        if len(batch) >= 5000:
            db["interactions"].insert_many(batch, ordered=False)
            total += len(batch)
            batch = []
    if batch:
        db["interactions"].insert_many(batch, ordered=False)
        total += len(batch)
    # the latest contact per customer, as the service keeps it (services/engagement/contacts.py;
    # its backfill does the same from the interactions, a document at a time)
    marks = [{"_id": cid, "version": int(at.timestamp() * 1000), "at": at, "updated_at": now}
             for cid, at in latest.items()]
    for i in range(0, len(marks), 5000):
        db["last_contacts"].insert_many(marks[i:i + 5000], ordered=False)
    n_marks = len(marks)
    print(f"\nengagement: {len(snaps)} customer copies and {total} interactions seeded in "
          f"{time.perf_counter() - t0:.0f} s (raw insert_many; {n_marks} latest-contact marks)")

    picks = random.sample(snaps, min(args.samples, len(snaps)))
    del snaps, marks, latest, batch
    settle_heap()

    def svc(who: ident.Identity, url: str) -> dict:
        r = client.get(url, headers={ident.HEADER: ident.issue(who, SECRET, ttl=3600)})
        assert r.status_code == 200, (url, r.get_json())
        return r.get_json()

    results = []
    for kind in ENGAGEMENT_TARGETS:
        s_ms, q_ms = [], []
        for p in picks:
            manager = ident.Identity(user_id=p["manager_id"], role=ident.MANAGER, branch=p["branch"])
            cid = p["_id"]
            if kind == "timeline page":
                ms, body = timed(lambda: svc(manager, f"/api/v1/engagement/customers/{cid}/interactions?limit=20"))  # noqa: B023
                assert len(body["items"]) == min(20, args.interactions)
                floor = lambda: list(db["interactions"].find({"customer_id": cid}).sort(  # noqa: E731,B023
                    [("occurred_at", -1), ("_id", -1)]).limit(20))
            else:
                ms, body = timed(lambda: svc(manager, "/api/v1/engagement/worklist"))  # noqa: B023
                assert body["manager_id"] == p["manager_id"]
                book = [d["_id"] for d in db["customer_snapshots"].find({"manager_id": p["manager_id"]}, {"_id": 1})]
                # the floor: the book's interactions, the largest read the worklist makes
                floor = lambda: list(db["interactions"].find(  # noqa: E731,B023
                    {"customer_id": {"$in": book}}, {"customer_id": 1, "occurred_at": 1}))  # noqa: B023
            s_ms.append(ms)
            q_ms.append(timed(floor)[0])
        results.append((kind, p95(s_ms), p95(q_ms)))
        print(f"  {kind}: service median {statistics.median(s_ms):.1f} ms, samples {[round(x) for x in s_ms]}")
    print(f"\n== p95 (ms), {total} interactions ==")
    print(f"{'query':<15}{'service':>9}{'floor':>10}{'svc/floor':>11}{'target':>8}")
    for kind, svc_p, floor_p in results:
        print(f"{kind:<15}{svc_p:>9.1f}{floor_p:>10.1f}{svc_p / floor_p:>11.2f}{ENGAGEMENT_TARGETS[kind]:>8}")
    print("floor: timeline — the same page with pymongo; worklist — the book's interactions "
          "(customer_id $in the book), the largest read it makes")


if __name__ == "__main__":
    main()
