"""Composed views as pure functions of what each upstream answered (no I/O here).

Every builder takes ``{part: Outcome}`` from ``upstreams.fan_out`` and returns the
view; a part that did not arrive leaves its fields null and is listed in
``missing`` with the reason, so a client can tell "none" from "unknown".
"""
from __future__ import annotations

from datetime import datetime

from chassis.errors import not_found

# part name → (service, the fields it supplies)
C360_PARTS = {
    "profile": ("customer", ("profile", "tier", "risk_level", "risk_valid_until")),
    "engagement": ("engagement", ("recent_interactions", "recent_visits", "upcoming_care", "account_reminders")),
    "feedback": ("feedback", ("open_complaints", "latest_satisfaction")),
    # the financial picture and the pipeline (issue #13): each answer is the field, whole
    "picture": ("customer", ("financial_picture",)),
    "opportunities": ("customer", ("opportunities",)),
}
WHOLE_PARTS = ("picture", "opportunities")
WORKLIST_PARTS = {
    "customer": ("customer", ("risk_expiring", "risk_missing", "reverification_due")),
    "engagement": ("engagement", ("next_best_actions", "greetings_due", "contacts_due", "contacts_overdue",
                                  "visits_planned", "follow_ups_due", "account_reminders",
                                  "plan_tasks", "plan_deviations", "escalated_complaints")),
    "feedback": ("feedback", ("complaints_near_breach", "complaints_breached", "follow_up_surveys")),
    "pipeline": ("customer", ("opportunities_open", "churn_signals")),
}
DASHBOARD_PARTS = {
    "customer": ("customer", ("tier_distribution",)),
    "engagement": ("engagement", ("contact_coverage", "activities", "plans")),
    "feedback": ("feedback", ("complaint_sla", "satisfaction_trend")),
    "pipeline": ("customer", ("conversion", "retention", "churn_signals")),
}


def _missing(outcome, fields_: tuple) -> dict:
    return {**outcome.missing(), "fields": list(fields_)}


def _obj(outcome) -> dict | None:
    return outcome.body if outcome is not None and outcome.ok and isinstance(outcome.body, dict) else None


def customer_360(customer_id: str, outcomes: dict) -> dict:
    prof = outcomes["profile"]
    # Ownership is the customer service's call: its 404 is the view's 404. When it is
    # down, the other services check ownership on their own copies; if none of them
    # knows the customer for this caller either, it is a 404 as well.
    if prof.status == 404:
        raise not_found("customer")
    if not prof.ok and all(o.status == 404 for p, o in outcomes.items() if p != "profile"):
        raise not_found("customer")
    view: dict = {"customer_id": customer_id, "missing": []}
    for part, (_service, fields_) in C360_PARTS.items():
        if part in WHOLE_PARTS:
            if part not in outcomes:
                continue   # not asked for
            o = outcomes[part]
            whole = o.body if o is not None and o.ok else None
            view[fields_[0]] = whole
            if whole is None:
                view["missing"].append(_missing(o, fields_))
            continue
        body = _obj(outcomes.get(part))
        if part == "profile":
            view["profile"] = body
            for f in fields_[1:]:
                view[f] = body.get(f) if body else None
        else:
            for f in fields_:
                view[f] = body.get(f) if body else None
        if body is None:
            view["missing"].append(_missing(outcomes[part], fields_))
    return view


def _sections(outcomes: dict, parts: dict, view: dict) -> dict:
    view.setdefault("missing", [])
    for part, (_service, fields_) in parts.items():
        if part not in outcomes:
            continue   # a part not asked for is neither shown nor missing
        body = _obj(outcomes.get(part))
        for f in fields_:
            view[f] = body.get(f) if body else None
        if body is None:
            view["missing"].append(_missing(outcomes[part], fields_))
    return view


def worklist(manager_id: str, day: str, outcomes: dict) -> dict:
    view = _sections(outcomes, WORKLIST_PARTS, {"manager_id": manager_id, "date": day})
    view["counts"] = {f: len(view[f]) for _, fs in WORKLIST_PARTS.values() for f in fs
                      if isinstance(view.get(f), list)}
    return view


def team_dashboard(manager_ids: list[str], names: dict, start: str, end: str, outcomes: dict) -> dict:
    view = _sections(outcomes, DASHBOARD_PARTS, {"manager_ids": manager_ids, "from": start, "to": end})
    per_manager = {}
    for m in manager_ids:
        row = {"username": names.get(m)}
        for part in DASHBOARD_PARTS:   # keyed by part (customer, engagement, feedback, pipeline)
            if part not in outcomes:
                continue
            body = _obj(outcomes.get(part))
            row[part] = ((body.get("per_manager") or {}).get(m) or {}) if body else None
        per_manager[m] = row
    view["per_manager"] = per_manager
    return view


def _at(entry: dict) -> datetime:
    try:
        return datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return datetime.min


def audit(outcomes: dict, limit: int) -> dict:
    """Entries from every service, newest first, each saying where it was recorded."""
    items: list[dict] = []
    missing: list[dict] = []
    for o in outcomes.values():
        if o.ok and isinstance(o.body, list):
            items.extend({**e, "service": o.call.service} for e in o.body if isinstance(e, dict))
        else:
            missing.append(o.missing())
    aware = [e for e in items if _at(e).tzinfo is not None]
    naive = [e for e in items if _at(e).tzinfo is None]
    aware.sort(key=_at, reverse=True)
    return {"items": (aware + naive)[:limit], "missing": missing}
