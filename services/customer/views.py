"""What leaves the service: profiles and history, masked unless the caller may
see sensitive fields in clear (then the read is audited)."""
from __future__ import annotations

from datetime import date, datetime

from chassis import audit, masking
from chassis.identity import Identity

from . import rules
from .models import Customer
from .service import INTERNAL, as_date, setting_int

MASKERS = {
    "mobile": masking.mask_mobile,
    "phone": lambda v: masking.mask_middle(v, 3, 4),
    "email": masking.mask_email,
    "address": masking.mask_address,
    "id_number": masking.mask_id_number,
}


def _mask_value(field: str, value):
    """Masked form of one sensitive top-level field (None when not sensitive)."""
    if value in (None, "", [], {}):
        return value
    if field in MASKERS:
        return MASKERS[field](value)
    if field == "accounts":
        return [{**a, "number": masking.mask_account(a.get("number"))} for a in value]
    if field == "contacts":
        return [{**p, **{k: MASKERS[k](p[k]) for k in ("mobile", "phone", "email") if p.get(k)}} for p in value]
    return value


SENSITIVE = (*MASKERS, "accounts", "contacts")


def present_sensitive(doc: dict) -> list[str]:
    return [f for f in SENSITIVE if doc.get(f) not in (None, "", [], {})]


def profile(c: Customer, who: Identity, today: date | None = None) -> dict:
    today = today or date.today()
    d = c.to_mongo().to_dict()
    d["id"] = d.pop("_id")
    for k in INTERNAL:
        d.pop(k, None)
    d["birth_date"] = as_date(c.birth_date)
    d["risk_valid_until"] = as_date(c.risk_valid_until)
    d["important_dates"] = [dict(x) for x in c.important_dates or []]
    d["age"] = rules.age_on(d["birth_date"], today) if d["birth_date"] else None
    d["risk_valid"] = bool(c.risk_level and d["risk_valid_until"] and d["risk_valid_until"] >= today)
    d["reverification_due"] = rules.reverification_due(c.last_confirmed_at, today, setting_int("CRM_REVERIFY_MONTHS"))
    unmask = who.may_unmask
    shown = present_sensitive(d)
    if unmask and shown:
        audit.record_read(c.id, shown, branch=c.branch)
    elif not unmask:
        for f in shown:
            d[f] = _mask_value(f, d[f])
    d["masked"] = not unmask
    return d


def summary(row: dict, who: Identity) -> dict:
    """A list row: no sensitive field but the (masked) mobile."""
    out = {k: row.get(k) for k in ("kind", "name", "tier", "classes", "tags", "manager_id", "branch", "status",
                                   "risk_level", "last_confirmed_at", "created_at")}
    out["id"] = row["_id"]
    out["birth_date"] = as_date(row.get("birth_date"))
    out["risk_valid_until"] = as_date(row.get("risk_valid_until"))
    out["mobile"] = masking.mask_mobile(row.get("mobile"))
    return out


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
    for d in record.get("diff", []):
        field = d["field"]
        if field in INTERNAL:
            continue
        old, new = d.get("old"), d.get("new")
        if old in (None, [], {}) and new in (None, [], {}):
            continue  # an empty default appearing is not a change anyone made
        if field in SENSITIVE:
            if who.may_unmask:
                clear.append(field)
            else:
                old, new = _mask_value(field, old), _mask_value(field, new)
        changes.append({"field": field, "old": _jsonable(old), "new": _jsonable(new)})
    entry = {"version": record["version"], "at": record["recorded_at"], "actor": record.get("actor"),
             "channel": record.get("channel"), "reason": record.get("reason"),
             "action": "create" if record["version"] == 1 else "update", "changes": changes}
    return entry, clear
