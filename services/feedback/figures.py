"""Satisfaction and complaint figures for the dashboard, worklist and 360 views.

Aggregations use only $match and $group with {"$sum": 1} (what FerretDB 1.24 supports,
and the same on MongoDB); counters and ratios are computed here from the grouped counts.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from . import rules
from .models import Complaint, Response

GROUP_FIELDS = {"month": "month", "manager": "manager_id", "tier": "tier", "survey": "survey_id"}


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def range_match(field: str, from_: date | None, to: date | None) -> dict:
    rng = {}
    if from_:
        rng["$gte"] = day_start(from_)
    if to:
        rng["$lt"] = day_start(to + timedelta(days=1))
    return {field: rng} if rng else {}


def _grouped(match: dict, field: str | None) -> dict:
    """{group key: summed counters}. One $group with one {"$sum": 1} accumulator, keyed by the
    (group, csat, nps) values: FerretDB 1.24 computes only the FIRST accumulator of a $group
    (every further one comes back 0, measured), so the counters are summed here in Python."""
    key = {"csat": "$csat", "nps": "$nps"}
    if field:
        key["k"] = f"${field}"
    rows = Response._get_collection().aggregate([{"$match": match}, {"$group": {"_id": key, "n": {"$sum": 1}}}])
    per_key: dict = {}
    for row in rows:
        per_key.setdefault(row["_id"].get("k"), []).append((row["_id"].get("csat"), row["_id"].get("nps"), row["n"]))
    return {k: rules.sums_from_counts(v) for k, v in per_key.items()}


def satisfaction(match: dict, by: str) -> list[dict]:
    out = [{"key": k, **rules.figures(sums)} for k, sums in _grouped(match, GROUP_FIELDS[by]).items()]
    out.sort(key=lambda r: (r["key"] is None, str(r["key"])))
    return out


def satisfaction_overall(match: dict) -> dict:
    return rules.figures(_grouped(match, None).get(None, {}))


def manager_match(manager_ids: set[str] | None) -> dict:
    return {} if manager_ids is None else {"manager_id": {"$in": sorted(manager_ids)}}


def complaint_sla(manager_ids: set[str] | None, from_: date | None, to: date | None,
                  at: datetime) -> dict:
    """Open and breached complaints now; within-SLA rate of those resolved in the range."""
    coll = Complaint._get_collection()
    base = manager_match(manager_ids)
    proj = {"manager_id": 1, "status": 1, "resolution_due": 1, "resolved_within_sla": 1}
    per: dict[str, dict] = {}

    def slot(mid):
        return per.setdefault(mid or "unassigned", {"open": 0, "breached": 0, "resolved": 0,
                                                    "resolved_within_sla": 0})
    for c in coll.find({**base, "status": {"$in": list(rules.OPEN_STATUSES)}}, proj):
        s = slot(c.get("manager_id"))
        s["open"] += 1
        due = c.get("resolution_due")
        if due is not None and _aware(due) <= at:
            s["breached"] += 1
    resolved = {"$ne": None, **range_match("resolved_at", from_, to).get("resolved_at", {})}
    for c in coll.find({**base, "resolved_at": resolved}, proj):
        s = slot(c.get("manager_id"))
        s["resolved"] += 1
        s["resolved_within_sla"] += int(bool(c.get("resolved_within_sla")))
    for s in per.values():
        s["within_sla_rate"] = round(s["resolved_within_sla"] / s["resolved"], 4) if s["resolved"] else None
    tot = {k: sum(s[k] for s in per.values()) for k in ("open", "breached", "resolved", "resolved_within_sla")}
    return {"open": tot["open"], "breached": tot["breached"], "resolved": tot["resolved"],
            "within_sla_rate": round(tot["resolved_within_sla"] / tot["resolved"], 4) if tot["resolved"] else None,
            "per_manager": per}


def _aware(dt):
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt
