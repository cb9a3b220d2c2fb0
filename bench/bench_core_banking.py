"""Core-banking benchmark: one month of core-banking events applied to the financial picture
vs raw inserts of the same data.

    .venv/bin/python -m bench.bench_core_banking --n 100000     # the issue's figure
    .venv/bin/python -m bench.bench_core_banking --n 5000       # default, a dev run

Needs the backing servers (make devstack). Uses its own database prefix and drops it at
the end (--keep to inspect). Not part of pytest.

Setup (not timed): N customers written as documents of version 1, and one month of events
for each from the simulator (tools/core_banking_sim.py): the month-end balance, the activity
summary and the holdings snapshot — 3N events, each built through its contract.

Timed, in one process (--threads consumers, default one; a customer's events stay with one):
1. service: every event as the consumer hands it to the handler (envelope loaded through
   the contract, then ``services.customer.handlers.HANDLERS``): the picture's change record
   and document, churn signals, the customer's reported AUM and tier when it moved;
   progress on stderr every tenth;
2. baseline: a raw pymongo ``insert_many`` of the same envelopes, in batches of --batch,
   into a collection of the same database.
Ratio = service events/s ÷ raw events/s.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import threading
import time
import uuid
from datetime import date
from typing import Any

import pymongo

from chassis.config import env_required

SECRET = secrets.token_hex(32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000, help="customers (default 5000; the issue asks for 100000)")
    ap.add_argument("--batch", type=int, default=500, help="baseline insert batch size")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1,
                    help="consumers applying events at once (customers split between them; default 1)")
    ap.add_argument("--backend", default="FerretDB SQLite", help="label printed with the figures")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()

    from chassis import db as dbmod
    from chassis.events import Envelope, received
    from services.customer import handlers, service
    from services.customer.app import create_app
    from tools import core_banking_sim as sim

    prefix = "bench" + uuid.uuid4().hex[:6]
    app = create_app(db_prefix=prefix, internal_secret=SECRET, log_level="WARNING")
    mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(env_required("CRM_MONGO_URL"), tz_aware=True)
    db = mongo[f"{prefix}_customer"]
    rng = random.Random(args.seed)
    today = date.today()
    month_end = sim.month_ends(1, today)[0]
    try:
        with app.app_context(), dbmod.using(db):
            version, rules = service.current_rules()
            who = service.identity.system("bench")
            docs = []
            for i in range(args.n):
                c = service.new_customer({"kind": "individual", "name": f"客户{i:07d}"}, who, version, rules,
                                         customer_id=f"bc{i:07d}")
                c.version = 1
                docs.append(c.to_mongo().to_dict())
            for i in range(0, len(docs), 1000):
                service.store.collection.insert_many(docs[i:i + 1000], ordered=False)
            events: list[dict] = []
            for i in range(args.n):
                cid = f"bc{i:07d}"
                aum = int(rng.lognormvariate(12.5, 1.3)) * 100
                sav = {"code": "SAV", "product_type": "deposit"}
                events.append(sim.balances(cid, aum, month_end, deposits_cents=aum))
                events.append(sim.summary(cid, month_end, aum, rng.randint(0, 60), ["mobile"]))
                events.append(sim.envelope(sim.core.HOLDINGS_REPORTED, cid, {"as_of": month_end, "holdings": [{
                    "holding_id": f"{cid}:sav", "product_code": sav["code"], "product_type": sav["product_type"],
                    "account_ref": "****0001", "balance_cents": aum}]}, f"holdings:{month_end}", month_end))
            print(f"{args.n} customers, {len(events)} events (one month), backend: {args.backend}")

            # Each thread is one consumer (a worker process in production: several may share the
            # queue); a customer's events stay in one thread, in order, as one consumer meets them.
            lanes: list[list[dict]] = [[] for _ in range(args.threads)]
            for i, env in enumerate(events):
                lanes[(i // 3) % args.threads].append(env)
            done = [0] * args.threads
            errors: list[BaseException] = []

            def consume(lane: int) -> None:
                try:
                    with app.app_context(), dbmod.using(db):
                        for env in lanes[lane]:
                            e = received(Envelope.from_dict(env))
                            handlers.HANDLERS[e.type](e)
                            done[lane] += 1
                except BaseException as exc:   # reported below: a failed run has no figure
                    errors.append(exc)

            t0 = time.perf_counter()
            threads = [threading.Thread(target=consume, args=(k,), daemon=True) for k in range(args.threads)]
            for t in threads:
                t.start()
            step = max(len(events) // 10, 1)
            shown = 0
            while any(t.is_alive() for t in threads):
                time.sleep(1.0)
                if sum(done) - shown >= step:   # progress for long runs (--n 100000), on stderr
                    shown = sum(done)
                    spent = time.perf_counter() - t0
                    print(f"  {shown}/{len(events)} events, {shown / spent:.0f}/s", file=sys.stderr, flush=True)
            service_s = time.perf_counter() - t0
            if errors:
                raise errors[0]

            raw = db["bench_raw_events"]
            t0 = time.perf_counter()
            for i in range(0, len(events), args.batch):
                raw.insert_many([dict(e) for e in events[i:i + args.batch]], ordered=False)
            raw_s = time.perf_counter() - t0
        svc_rate, raw_rate = len(events) / service_s, len(events) / raw_s
        tiers = {r["_id"]: r["n"] for r in db["customers"].aggregate(
            [{"$group": {"_id": "$tier", "n": {"$sum": 1}}}])}
        print(f"| | rate | time | ratio |\n|---|---|---|---|\n"
              f"| applied through the handlers ({args.threads} consumer(s)) | {svc_rate:.0f} events/s | "
              f"{service_s:.1f} s | "
              f"**{svc_rate / raw_rate:.3f}** |\n"
              f"| raw insert_many of the same events | {raw_rate:.0f} events/s | {raw_s:.1f} s | 1 |")
        print(f"pictures: {db['pictures'].count_documents({})}, tiers after: {tiers}")
    finally:
        if not args.keep:
            mongo.drop_database(f"{prefix}_customer")
            for name in mongo.list_database_names():
                if name.startswith(prefix):
                    mongo.drop_database(name)


if __name__ == "__main__":
    main()
