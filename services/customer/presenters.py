"""What leaves the service: profiles, list rows and history, each through the
one masking policy (chassis.privacy), which audits unmasked reads."""
from __future__ import annotations

from datetime import date, datetime

from chassis import clock, privacy
from chassis.identity import Identity

from . import rules
from .models import Customer
from .service import INTERNAL, as_date, setting_int


def profile(c: Customer, who: Identity, today: date | None = None) -> dict:
    today = today or clock.today()
    d = c.to_mongo().to_dict()
    d["id"] = d.pop("_id")
    for k in INTERNAL:
        d.pop(k, None)
    d["birth_date"] = as_date(c.birth_date)
    d["risk_valid_until"] = as_date(c.risk_valid_until)
    d["important_dates"] = [dict(x) for x in c.important_dates or []]
    d["risk_valid"] = bool(c.risk_level and d["risk_valid_until"] and d["risk_valid_until"] >= today)
    d["reverification_due"] = rules.reverification_due(c.last_confirmed_at, today, setting_int("CRM_REVERIFY_MONTHS"))
    return privacy.read(privacy.with_age(d, today), who, c.id, branch=c.branch)


SUMMARY_FIELDS = ("kind", "name", "tier", "classes", "tags", "manager_id", "branch", "status", "risk_level",
                  "last_confirmed_at", "created_at", "mobile", "birth_date")


def summary(row: dict, who: Identity) -> dict:
    """A list row, always masked: unmasking is one audited record at a time."""
    out = {k: row.get(k) for k in SUMMARY_FIELDS}
    # Empty lists are not stored (models.Customer.to_mongo): a row without any is [], not null.
    for k in ("classes", "tags"):
        out[k] = out[k] or []
    out["id"] = row["_id"]
    out["birth_date"] = as_date(row.get("birth_date"))
    out["risk_valid_until"] = as_date(row.get("risk_valid_until"))
    return privacy.mask(out)[0]


def _jsonable(v):
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def history_entry(record: dict, who: Identity) -> tuple[dict, list[str]]:
    """One change record as history; returns it and the sensitive fields shown in clear."""
    changes, clear = [], []
    unmask = who.may_unmask
    for d in record.get("diff", []):
        field = d["field"]
        if field in INTERNAL:
            continue
        old, new = d.get("old"), d.get("new")
        if old in (None, [], {}) and new in (None, [], {}):
            continue  # an empty default appearing is not a change anyone made
        change = {"field": field}
        if privacy.sensitive(field):
            if unmask:
                clear.append(field)
            else:
                # The record's state is not read here: no form needs more than the value.
                old, new = privacy.mask_value(field, old), privacy.mask_value(field, new)
                change["masked"] = True
        change.update(old=_jsonable(old), new=_jsonable(new))
        changes.append(change)
    entry = {"version": record["version"], "at": record["recorded_at"], "actor": record.get("actor"),
             "channel": record.get("channel"), "reason": record.get("reason"),
             "action": "create" if record["version"] == 1 else "update", "changes": changes}
    return entry, clear
