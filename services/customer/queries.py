"""Mongo filters for listing and search (pure: no I/O, unit-tested)."""
from __future__ import annotations

import re
from datetime import date

from chassis.filters import all_of
from chassis.identity import Identity

from . import rules
from .schemas import ID_TYPES
from .validators import resident_id_problem


def visibility(who: Identity) -> dict:
    """What part of the archive the caller sees: the one rule on the identity."""
    return who.scope_filter()


def customer_filter(q: dict, who: Identity, today: date, reverify_months: int) -> dict:
    """The filter for GET /customers; exact keys go through the unique key fields."""
    parts = [visibility(who)]
    if q.get("name"):
        parts.append({"name": {"$regex": "^" + re.escape(q["name"])}})
    if q.get("mobile"):
        parts.append({"mobile_key": q["mobile"]})
    if q.get("id_number"):
        n = q["id_number"].upper()
        # One equality when the type is known (given, or a valid resident ID number):
        # FerretDB's PostgreSQL backend pushes equality down to SQL, not $in.
        id_type = q.get("id_type") or ("resident_id" if resident_id_problem(n) is None else None)
        parts.append({"id_key": f"{id_type}:{n}"} if id_type else
                     {"id_key": {"$in": [f"{t}:{n}" for t in ID_TYPES]}})
    if q.get("credit_code"):
        parts.append({"id_key": "uscc:" + q["credit_code"].upper()})
    if q.get("external_id"):
        parts.append({"external_key": "ext:" + q["external_id"]})
    for param, field in (("tier", "tier"), ("class_", "classes"), ("tag", "tags"), ("status", "status")):
        if q.get(param):
            parts.append({field: q[param]})
    if q.get("manager_id"):
        # ANDed with visibility(who) above, so the filter can only narrow what the caller sees.
        parts.append({"manager_id": q["manager_id"]})
    if q.get("birthday_from"):
        ranges = rules.birthday_ranges(q["birthday_from"], q["birthday_to"])
        if ranges is None:
            parts.append({"birth_mmdd": {"$ne": None}})
        else:
            parts.append({"$or": [{"birth_mmdd": {"$gte": a, "$lte": b}} for a, b in ranges]})
    if q.get("reverification_due") is not None:
        cutoff = rules.reverify_cutoff(today, reverify_months)
        parts.append({"last_confirmed_at": {"$lt": cutoff}} if q["reverification_due"]
                     else {"last_confirmed_at": {"$gte": cutoff}})
    return all_of(*parts)
