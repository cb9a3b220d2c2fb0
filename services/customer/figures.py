"""Reads for the gateway's worklist and team dashboard over the pipeline and the pictures:
open opportunities and churn signals per manager, conversion and retention figures."""
from __future__ import annotations

from datetime import date, timedelta

from chassis.filters import all_of
from chassis.identity import Identity

from . import pipeline, queries, service
from .bootstrap import ports

SIGNAL_DAYS = 30   # a churn signal stays on the worklist this long


def _day(d: date) -> str:
    return d.isoformat()


def worklist(who: Identity, manager_id: str, day: date) -> dict:
    book = {r["_id"]: r for r in service.store.collection.find(
        all_of({"manager_id": manager_id, "status": "active"}, queries.visibility(who)), {"name": 1, "tier": 1})}
    opps = ports.opportunities.collection.find({"manager_id": manager_id, "stage": {"$in": list(pipeline.OPEN)}}
                                               ).sort([("expires_on", 1), ("_id", 1)]).limit(200)
    since = _day(day - timedelta(days=SIGNAL_DAYS))
    signalled = ports.pictures.collection.find({"_id": {"$in": list(book)}, "last_signal_on": {"$gte": since}},
                                               {"signals": 1, "last_signal_on": 1}) if book else []
    return {
        "opportunities_open": [
            {"id": o["_id"], "customer_id": o["customer_id"], "name": book[o["customer_id"]]["name"],
             "source": o["source"], "stage": o["stage"], "product_code": o.get("product_code"),
             "expires_on": o.get("expires_on")} for o in opps if o["customer_id"] in book],
        "churn_signals": sorted(
            [{"customer_id": p["_id"], "name": book[p["_id"]]["name"], "tier": book[p["_id"]].get("tier"),
              "signals": [s for s in p.get("signals") or [] if s["raised_on"] >= since]} for p in signalled],
            key=lambda r: r["signals"][-1]["raised_on"] if r["signals"] else "", reverse=True)[:200],
    }


def _retention_row() -> dict:
    return {"customers_reported": 0, "at_risk": 0, "retention": None}


def _close(row: dict) -> dict:
    n = row["customers_reported"]
    row["retention"] = round((n - row["at_risk"]) / n, 4) if n else None
    return row


def stats(who: Identity, manager_ids: list[str], start: date | None, end: date | None) -> dict:
    """Conversion (opportunities opened in the range) and retention (customers with a reported
    picture, at risk = a churn signal raised in the range), per manager and per tier."""
    named = [{"manager_id": {"$in": manager_ids}}] if manager_ids else []
    customers = {r["_id"]: r for r in service.store.collection.find(
        all_of({"status": "active"}, queries.visibility(who), *named), {"manager_id": 1, "tier": 1})}
    since = _day(start) if start else "0000-01-01"
    until = _day(end) if end else "9999-12-31"
    retention: dict = {"overall": _retention_row(), "per_manager": {m: _retention_row() for m in manager_ids},
                       "per_tier": {}}
    signals: dict = {}
    ids = list(customers)
    for i in range(0, len(ids), 1000):
        # Every picture's signals count (no contact in N days needs no core-banking data);
        # retention is measured over the customers the bank reported on.
        for p in ports.pictures.collection.find({"_id": {"$in": ids[i:i + 1000]}},
                                                {"signals": 1, "aum_as_of": 1}):
            c = customers[p["_id"]]
            raised = [s for s in p.get("signals") or [] if since <= s["raised_on"] <= until]
            owner = c.get("manager_id") or "unassigned"
            signals[owner] = signals.get(owner, 0) + len(raised)
            if p.get("aum_as_of") is None:
                continue
            for row in (retention["overall"],
                        retention["per_manager"].setdefault(owner, _retention_row()),
                        retention["per_tier"].setdefault(c.get("tier") or "standard", _retention_row())):
                row["customers_reported"] += 1
                row["at_risk"] += 1 if raised else 0
    for row in (retention["overall"], *retention["per_manager"].values(), *retention["per_tier"].values()):
        _close(row)
    q: dict = all_of(who.scope_filter(), *named)
    if start or end:
        rng = {}
        if start:
            rng["$gte"] = service._midnight(start)
        if end:
            rng["$lt"] = service._midnight(end + timedelta(days=1))
        q = all_of(q, {"created_at": rng})
    conv = pipeline.conversion(ports.opportunities.collection.find(
        q, {"manager_id": 1, "source": 1, "stage": 1, "product_code": 1, "proposed_at": 1}))
    empty = pipeline.conversion([])["overall"]
    per_manager = {m: {"conversion": conv["per_manager"].get(m) or dict(empty),
                       "retention": retention["per_manager"].get(m) or _retention_row(),
                       "churn_signals": signals.get(m, 0)}
                   for m in {*manager_ids, *conv["per_manager"], *retention["per_manager"]}}
    return {"conversion": conv, "retention": retention, "churn_signals": sum(signals.values()),
            "per_manager": per_manager}
