"""The gateway's own audit: who administered which user (created, team, (de)activated,
unmask granted or revoked), read from the users' change records.

Entries take the shape of the services' audit entries so the merged trail
(GET /api/v1/audit) is one list. Auditors see every branch; a branch admin sees the
records of their branch's users only.
"""
from __future__ import annotations

from chassis import identity as ident

from .users import store


def entries(who: ident.Identity, q: dict) -> list[dict]:
    if q.get("customer_id"):
        return []   # user administration is about no customer
    query: dict = {"aggregate_type": store.type}
    if who.role == ident.ADMIN and who.branch:
        query["state.branch"] = who.branch
    if q.get("actor"):
        query["actor.user_id"] = q["actor"]
    span = {op: q[k] for op, k in (("$gte", "since"), ("$lte", "until")) if q.get(k)}
    if span:
        query["recorded_at"] = span
    limit = q["limit"]
    # History plus what the relay has not moved there yet (outbox first: see store.history).
    records = {r["_id"]: r for coll in (store.outbox, store.changes)
               for r in coll.find(query, {"state": 0, "events": 0}).sort([("recorded_at", -1)]).limit(limit)}
    out = []
    for r in sorted(records.values(), key=lambda r: r["recorded_at"], reverse=True)[:limit]:
        out.append({
            "at": r["recorded_at"].isoformat(), "action": "create" if r["version"] == 1 else "update",
            "actor": r.get("actor"), "purpose": r.get("reason"), "customer_id": None,
            "resource": "user", "resource_id": r["aggregate_id"],
            "fields": [d["field"] for d in r.get("diff", [])], "request_id": r.get("request_id"),
        })
    return out
