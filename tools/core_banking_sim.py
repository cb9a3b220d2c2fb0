"""A core-banking simulator: publishes a realistic book on the suite's bus, on pika.

    python -m tools.core_banking_sim populate [--customers 200] [--months 24] [--seed 7]
        register customers through the gateway (as the bootstrap admin), add the catalogue,
        then publish each customer's history: a living bank for a fresh `make run`
    python -m tools.core_banking_sim publish CUSTOMER_ID... [--months 24] [--seed 7]
        publish the history of customers that already exist

Every event is built through its contract (contracts/core_banking.py), so the simulator
cannot send what the contract does not allow. The same seed gives the same book, event
ids included (a re-run is a redelivery the suite ignores). A book holds steady savers,
growers, decliners (AUM falling: churn signals), dormant accounts, time deposits that
mature (opportunities) and products opened and closed (product churn). Tests, demos and
the benchmark (bench/bench_core_banking.py) use the functions below.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from urllib import request as urlrequest

import pika

from contracts import core_banking as core
from tools.bus import params

SOURCE = "core-banking-sim"
_NS = uuid.UUID("0c4e3f7a-8a61-4c1e-bb7e-2f1f0b5e7c13")
PROFILES = ("steady", "growing", "falling", "dormant", "churner")

# What the simulator's bank sells (the same codes go into the suite's catalogue by `populate`).
CATALOGUE: list[dict] = [
    {"code": "SAV", "name": "活期储蓄", "product_type": "deposit"},
    {"code": "TD-1Y", "name": "一年期定期存款", "product_type": "time_deposit", "term_months": 12},
    {"code": "TD-3Y", "name": "三年期定期存款", "product_type": "time_deposit", "term_months": 36},
    {"code": "WM-R2-180", "name": "稳健理财180天", "product_type": "wealth", "risk_level": "R2"},
    {"code": "WM-R4-EQ", "name": "权益增强理财", "product_type": "wealth", "risk_level": "R4"},
    {"code": "FD-BOND", "name": "债券基金", "product_type": "fund", "risk_level": "R2"},
    {"code": "FD-EQ", "name": "股票基金", "product_type": "fund", "risk_level": "R5"},
    {"code": "INS-ANN", "name": "年金保险", "product_type": "insurance", "risk_level": "R1"},
    {"code": "LN-MTG", "name": "个人住房贷款", "product_type": "loan"},
]


# -- building events ---------------------------------------------------------------------------
def envelope(event_type, customer_id: str, data: dict, key: str, on: date) -> dict:
    """One event in the common envelope, through its contract; the id is derived from what
    it says (customer, type, key), so the same book always has the same ids."""
    env = event_type.new(customer_id, {"customer_id": customer_id, **data}, source=SOURCE).to_dict()
    env["id"] = str(uuid.uuid5(_NS, f"{customer_id}:{event_type.name}:{key}"))
    env["occurred_at"] = datetime(on.year, on.month, on.day, 18, tzinfo=timezone.utc).isoformat()
    return env


def month_ends(months: int, today: date) -> list[date]:
    """The last day of each of the ``months`` months before today's month, oldest first."""
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
    return list(reversed(out))


def account_ref(rng: random.Random) -> str:
    return f"****{rng.randrange(10_000):04d}"


def balances(customer_id: str, aum_cents: int, as_of: date, deposits_cents: int | None = None) -> dict:
    return envelope(core.BALANCES_REPORTED, customer_id, {"as_of": as_of, "aum_cents": aum_cents,
                                                          "deposits_cents": deposits_cents}, as_of.isoformat(), as_of)


def amount_band(moved_cents: int) -> str:
    """none <1k, low <10k, medium <100k, high <1M, very_high ≥1M CNY (the contract's bands)."""
    for limit, band in ((1_000_00, "none"), (10_000_00, "low"), (100_000_00, "medium"), (1_000_000_00, "high")):
        if moved_cents < limit:
            return band
    return "very_high"


def summary(customer_id: str, month_end: date, aum_cents: int, count: int, channels: list[str]) -> dict:
    band = amount_band(count * max(aum_cents, 100_000_00) // 50)
    month = month_end.strftime("%Y-%m")
    return envelope(core.ACTIVITY_SUMMARISED, customer_id, {
        "month": month, "transaction_count": count, "amount_band": band, "channels": channels,
        "month_end_aum_cents": aum_cents}, month, month_end)


def maturing(customer_id: str, ref: str, maturity: date, amount_cents: int, on: date) -> dict:
    return envelope(core.DEPOSIT_MATURING, customer_id, {"account_ref": ref, "maturity_date": maturity,
                                                         "amount_cents": amount_cents}, f"{ref}:{maturity}", on)


def opened(customer_id: str, holding_id: str, product: dict, amount_cents: int, on: date,
           ref: str = "****0001", maturity: date | None = None) -> dict:
    return envelope(core.PRODUCT_OPENED, customer_id, {
        "as_of": on, "holding_id": holding_id, "product_code": product["code"],
        "product_type": product["product_type"], "account_ref": ref, "amount_cents": amount_cents,
        "maturity_date": maturity}, holding_id, on)


def closed(customer_id: str, holding_id: str, product: dict, on: date, ref: str = "****0001") -> dict:
    return envelope(core.PRODUCT_CLOSED, customer_id, {
        "as_of": on, "holding_id": holding_id, "product_code": product["code"],
        "product_type": product["product_type"], "account_ref": ref}, holding_id, on)


def dormant(customer_id: str, ref: str, since: date) -> dict:
    return envelope(core.ACCOUNT_DORMANT, customer_id, {"account_ref": ref, "dormant_since": since},
                    f"{ref}:{since}", since)


def holdings(customer_id: str, events: list[dict], as_of: date, aum_cents: int) -> dict:
    """The open holdings after ``events``: savings carry what the others do not."""
    open_: dict = {}
    for e in events:
        d = e["data"]
        if e["type"] == core.PRODUCT_OPENED.name:
            open_[d["holding_id"]] = d
        elif e["type"] == core.PRODUCT_CLOSED.name:
            open_.pop(d["holding_id"], None)
    rows = []
    others = sum(d["amount_cents"] for h, d in open_.items() if not h.endswith(":sav"))
    for h, d in open_.items():
        bal = max(0, aum_cents - others) if h.endswith(":sav") else d["amount_cents"]
        rows.append({k: d[k] for k in ("holding_id", "product_code", "product_type", "account_ref")} |
                    {"balance_cents": bal, "opened_on": date.fromisoformat(d["as_of"]),
                     "maturity_date": date.fromisoformat(d["maturity_date"]) if d.get("maturity_date") else None})
    return envelope(core.HOLDINGS_REPORTED, customer_id, {"as_of": as_of, "holdings": rows},
                    f"holdings:{as_of}", as_of)


def _product(code: str) -> dict:
    return next(p for p in CATALOGUE if p["code"] == code)


def history(customer_id: str, months: int = 24, seed: int = 7, today: date | None = None,
            profile: str | None = None, start_aum_cents: int | None = None,
            end_aum_cents: int | None = None) -> list[dict]:
    """A customer's past ``months``: month-end balances and activity, holdings, products
    opened and closed, a maturing deposit, dormancy, by profile (random from the seed when
    not given). ``start_aum_cents``/``end_aum_cents`` pin the path (tests, demos)."""
    today = today or date.today()
    rng = random.Random(f"{seed}:{customer_id}")
    profile = profile or rng.choices(PROFILES, weights=(45, 25, 12, 8, 10))[0]
    start = start_aum_cents if start_aum_cents is not None else int(rng.lognormvariate(12.5, 1.3)) * 100
    end = end_aum_cents if end_aum_cents is not None else int(start * {
        "steady": rng.uniform(0.9, 1.15), "growing": rng.uniform(1.3, 3.0), "falling": rng.uniform(0.2, 0.6),
        "dormant": rng.uniform(0.95, 1.0), "churner": rng.uniform(0.6, 1.1)}[profile])
    ends = month_ends(months, today)
    out: list[dict] = []
    sav_ref, td_ref = account_ref(rng), account_ref(rng)
    td = _product(rng.choice(("TD-1Y", "TD-3Y")))
    td_amount = max(1_000_00, start // 3 // 100 * 100)
    td_opened = ends[0]
    td_maturity = td_opened + timedelta(days=30 * (td.get("term_months") or 12))
    out.append(opened(customer_id, f"{customer_id}:sav", _product("SAV"), start - td_amount, ends[0], sav_ref))
    out.append(opened(customer_id, f"{customer_id}:td", td, td_amount, td_opened, td_ref, td_maturity))
    for i, month_end in enumerate(ends):
        share = i / max(1, len(ends) - 1)
        aum = max(0, int(start + (end - start) * share * (1 + rng.uniform(-0.03, 0.03))) // 100 * 100)
        if i == len(ends) - 1:
            aum = end
        quiet = profile == "dormant" and i >= len(ends) - 7
        count = 0 if quiet else rng.randint(3, 60)
        channels = [] if quiet else sorted(rng.sample(core.CHANNELS, rng.randint(1, 3)))
        out.append(balances(customer_id, aum, month_end, deposits_cents=aum))
        out.append(summary(customer_id, month_end, aum, count, channels))
        if profile == "churner" and i == len(ends) // 2:
            wm = _product(rng.choice(("WM-R2-180", "FD-BOND")))
            out.append(opened(customer_id, f"{customer_id}:wm", wm, aum // 4, month_end, account_ref(rng)))
        if profile == "churner" and i == len(ends) - 2:
            wm_code = next((e["data"]["product_code"] for e in out
                            if e["type"] == core.PRODUCT_OPENED.name and e["data"]["holding_id"].endswith(":wm")),
                           "WM-R2-180")
            out.append(closed(customer_id, f"{customer_id}:wm", _product(wm_code), month_end))
    out.append(holdings(customer_id, out, ends[-1], end))
    if profile == "dormant":
        out.append(dormant(customer_id, sav_ref, ends[-7] + timedelta(days=1)))
    if td_maturity >= today - timedelta(days=30):
        notice = max(ends[-1], td_maturity - timedelta(days=30))
        out.append(maturing(customer_id, td_ref, td_maturity, td_amount, notice))
    return out


# -- publishing --------------------------------------------------------------------------------
def publish(events: Iterable[dict], exchange: str, amqp_url: str | None = None) -> int:
    """Publish with publisher confirms and persistent messages, routing key = event type."""
    conn = pika.BlockingConnection(params(amqp_url))
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        n = 0
        for env in events:
            ch.basic_publish(exchange, env["type"], json.dumps(env, ensure_ascii=False).encode(), props)
            n += 1
        return n
    finally:
        conn.close()


# -- populate a running suite ------------------------------------------------------------------
def _call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    req = urlrequest.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                             headers={"Content-Type": "application/json",
                                      **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urlrequest.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urlrequest.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def populate(gateway: str, username: str, password: str, customers: int, months: int, seed: int,
             exchange: str, amqp_url: str | None = None, out=sys.stdout) -> list[str]:
    status, body = _call(gateway, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    if status != 200:
        raise SystemExit(f"login failed ({status}): check --username/--password")
    token = body["access_token"]
    for product in CATALOGUE:
        _call(gateway, "POST", "/api/v1/products", product, token)   # 409 when already there: fine
    ids = []
    for i in range(customers):
        status, body = _call(gateway, "POST", "/api/v1/customers",
                             {"kind": "individual", "name": f"模拟客户{seed}-{i:05d}",
                              "external_id": f"SIM-{seed}-{i:05d}"}, token)
        if status == 201:
            ids.append(body["id"])
        elif status == 409 and body.get("existing_id"):
            ids.append(body["existing_id"])
        else:
            raise SystemExit(f"registering a customer failed ({status}): {body.get('detail')}")
    sent = 0
    for cid in ids:
        sent += publish(history(cid, months, seed=seed), exchange, amqp_url)
    print(json.dumps({"customers": len(ids), "events": sent, "months": months, "seed": seed}), file=out)
    return ids


def main(argv: list[str] | None = None) -> int:
    from chassis.config import env_required
    ap = argparse.ArgumentParser(prog="python -m tools.core_banking_sim", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pop = sub.add_parser("populate", help="register customers through the gateway and publish their history")
    pop.add_argument("--gateway", default="http://127.0.0.1:8000")
    pop.add_argument("--username", default="admin")
    pop.add_argument("--password", default="admin-dev-password")
    pop.add_argument("--customers", type=int, default=200)
    pub = sub.add_parser("publish", help="publish the history of existing customers")
    pub.add_argument("customer_ids", nargs="+")
    for p in (pop, pub):
        p.add_argument("--months", type=int, default=24)
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--exchange", default=None, help="default: CRM_EXCHANGE")
        p.add_argument("--amqp-url", default=None, help="default: CRM_AMQP_URL")
    a = ap.parse_args(argv)
    exchange = a.exchange or env_required("CRM_EXCHANGE")
    if a.cmd == "populate":
        populate(a.gateway, a.username, a.password, a.customers, a.months, a.seed, exchange, a.amqp_url)
    else:
        n = sum(publish(history(cid, a.months, a.seed), exchange, a.amqp_url) for cid in a.customer_ids)
        print(json.dumps({"customers": len(a.customer_ids), "events": n}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
