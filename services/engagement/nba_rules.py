"""Next best action (下一步最佳行动): which customer of a book to work on first, and why. Pure.

    total = value × (1 + risk) × (1 + staleness) + task

- **value**: the tier's points plus the AUM band's (the band the customer service publishes,
  never the figure); at least the lowest tier's, so a customer of unknown tier still counts.
- **risk**: the sum of what is wrong now — a risk assessment missing, expired or expiring, open
  complaints, recent churn signals. Zero when nothing is.
- **staleness**: points per day since the last contact (interaction or visit), capped; a
  customer never contacted gets the cap.
- **task**: plan tasks due (within the worklist's two weeks) and late, added rather than
  multiplied, so promised work shows even for a quiet customer.

A customer is on the list only for a reason (a risk, no contact for ``stale_after_days``, a
task); value alone ranks, it never lists. Every item carries its reasons and its score parts,
so a supervisor can check any ranking by hand (docs/plans.md, "Next best action").

The weights are branch configuration (``nba.py``, admins edit them); ``DEFAULT_WEIGHTS`` are
used until a branch sets its own, and ``merge`` lays an edit over them.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from contracts.customer import AUM_BANDS

from .rules import TIERS

DEFAULT_WEIGHTS: dict[str, Any] = {
    # value: what the customer is worth to the bank
    "tier": {"standard": 1.0, "gold": 2.0, "platinum": 3.0, "diamond": 4.0, "private_banking": 5.0},
    "aum_band": {"under_10k": 0.0, "10k_100k": 0.25, "100k_1m": 0.5, "1m_10m": 1.0, "10m_plus": 1.5},
    # risk: points per factor (complaints and churn kinds: per one, up to max_count)
    "risk": {"assessment_missing": 2.0, "assessment_expired": 2.0, "assessment_expiring": 1.0,
             "open_complaint": 3.0, "churn_signal": 2.0, "max_count": 3},
    "risk_expiring_days": 30,      # an assessment valid for fewer days than this is expiring
    "churn_signal_days": 90,       # a churn signal counts this long after it was raised
    # staleness: points per day since the last contact, up to max; listed from stale_after_days
    "staleness": {"per_day": 0.02, "max": 2.0, "stale_after_days": 30},
    # task: points per plan task due soon, and per late task
    "task": {"due": 1.0, "overdue": 2.0},
    "limit": 50,                   # items on a worklist
}

REASONS = ("risk_assessment_missing", "risk_assessment_expired", "risk_assessment_expiring", "open_complaint",
           "churn_signal", "no_recent_contact", "never_contacted", "tasks_due", "tasks_overdue")
POINTS_MAX = 100.0
LIMIT_MAX = 500


@dataclass(frozen=True)
class Facts:
    """What the engagement service knows of one customer on a day (from its local copies)."""
    customer_id: str
    name: str | None = None
    tier: str | None = None
    aum_band: str | None = None
    risk_level: str | None = None
    risk_valid_until: date | None = None
    risk_known: bool = True           # False: the copy predates risk fields (nothing to say)
    last_contact: date | None = None  # the bank's day of the latest interaction or visit
    open_complaints: int = 0
    churn_signals: tuple[str, ...] = ()   # kinds of the signals still counting
    tasks_due: int = 0
    tasks_overdue: int = 0
    manager_id: str | None = None


@dataclass
class Item:
    customer_id: str
    name: str | None
    tier: str | None
    aum_band: str | None
    manager_id: str | None
    value: float
    risk: float
    staleness: float
    task: float
    total: float
    days_since_contact: int | None
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "name": self.name, "tier": self.tier, "aum_band": self.aum_band,
                "manager_id": self.manager_id, "days_since_contact": self.days_since_contact,
                "score": {"value": self.value, "risk": self.risk, "staleness": self.staleness, "task": self.task,
                          "total": self.total},
                "reasons": self.reasons}


def _r(x: float) -> float:
    return round(x, 4)


def _reason(code: str, part: str, points: float, **facts: Any) -> dict[str, Any]:
    return {"code": code, "part": part, "points": _r(points), **facts}


def score(f: Facts, day: date, w: dict[str, Any]) -> Item:
    """One customer's score parts and reasons on ``day`` under weights ``w``."""
    value = float(w["tier"].get(f.tier or "standard", w["tier"]["standard"]))
    value += float(w["aum_band"].get(f.aum_band, 0.0)) if f.aum_band else 0.0
    value = max(value, min(w["tier"].values()) or 0.0)
    rw = w["risk"]
    cap = int(rw["max_count"])
    reasons: list[dict[str, Any]] = []

    # risk
    if f.risk_known:
        if not f.risk_level or f.risk_valid_until is None:
            reasons.append(_reason("risk_assessment_missing", "risk", rw["assessment_missing"]))
        elif f.risk_valid_until < day:
            reasons.append(_reason("risk_assessment_expired", "risk", rw["assessment_expired"],
                                   date=f.risk_valid_until.isoformat()))
        elif (f.risk_valid_until - day).days <= int(w["risk_expiring_days"]):
            reasons.append(_reason("risk_assessment_expiring", "risk", rw["assessment_expiring"],
                                   date=f.risk_valid_until.isoformat(), days=(f.risk_valid_until - day).days))
    if f.open_complaints:
        n = min(f.open_complaints, cap)
        reasons.append(_reason("open_complaint", "risk", rw["open_complaint"] * n, count=f.open_complaints))
    kinds = sorted(set(f.churn_signals))
    if kinds:
        n = min(len(kinds), cap)
        reasons.append(_reason("churn_signal", "risk", rw["churn_signal"] * n, count=len(kinds), kinds=kinds))
    risk = sum(r["points"] for r in reasons)

    # staleness
    sw = w["staleness"]
    days = (day - f.last_contact).days if f.last_contact else None
    if days is None:
        staleness = float(sw["max"])
        reasons.append(_reason("never_contacted", "staleness", staleness))
    else:
        staleness = min(max(days, 0) * float(sw["per_day"]), float(sw["max"]))
        if days >= int(sw["stale_after_days"]):
            reasons.append(_reason("no_recent_contact", "staleness", staleness, days=days))

    # plan tasks
    tw = w["task"]
    task = 0.0
    if f.tasks_due:
        task += tw["due"] * f.tasks_due
        reasons.append(_reason("tasks_due", "task", tw["due"] * f.tasks_due, count=f.tasks_due))
    if f.tasks_overdue:
        task += tw["overdue"] * f.tasks_overdue
        reasons.append(_reason("tasks_overdue", "task", tw["overdue"] * f.tasks_overdue, count=f.tasks_overdue))

    total = value * (1 + risk) * (1 + staleness) + task
    return Item(f.customer_id, f.name, f.tier, f.aum_band, f.manager_id, _r(value), _r(risk), _r(staleness),
                _r(task), _r(total), days, reasons)


def rank(book: list[Facts], day: date, w: dict[str, Any]) -> list[Item]:
    """The customers with a reason to be worked on, best first (total, then value, then id:
    the same book always ranks the same way), at most ``w["limit"]``."""
    items = [score(f, day, w) for f in book]
    listed = [i for i in items if i.reasons]
    listed.sort(key=lambda i: (-i.total, -i.value, i.customer_id))
    return listed[:int(w["limit"])]


# --- configuration ---------------------------------------------------------------------------
def merge(base: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """``edit`` laid over ``base`` (nested sections key by key)."""
    out = copy.deepcopy(base)
    for k, v in edit.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def weight_problems(w: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a whole set of weights ({} when nothing): known keys only, points
    between 0 and 100, days and counts whole and sensible."""
    errors: dict[str, list[str]] = {}

    def points(section: str, keys) -> None:
        got = w.get(section)
        if not isinstance(got, dict):
            errors[section] = ["Must be an object."]
            return
        unknown = sorted(set(got) - set(keys))
        if unknown:
            errors[section] = [f"Unknown keys: {', '.join(unknown)}."]
            return
        for k in keys:
            v = got.get(k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= POINTS_MAX:
                errors[f"{section}.{k}"] = [f"A number from 0 to {POINTS_MAX:g}."]

    points("tier", TIERS)
    points("aum_band", [b for b, _ in AUM_BANDS])
    points("risk", ("assessment_missing", "assessment_expired", "assessment_expiring", "open_complaint",
                    "churn_signal", "max_count"))
    points("staleness", ("per_day", "max", "stale_after_days"))
    points("task", ("due", "overdue"))
    whole = {"risk_expiring_days": (0, 366), "churn_signal_days": (1, 366), "limit": (1, LIMIT_MAX),
             "risk.max_count": (1, 100), "staleness.stale_after_days": (0, 3660)}
    for key, (lo, hi) in whole.items():
        section, _, sub = key.partition(".")
        v = (w.get(section) or {}).get(sub) if sub else w.get(section)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            errors.setdefault(key, [f"A whole number from {lo} to {hi}."])
    unknown = sorted(set(w) - set(DEFAULT_WEIGHTS))
    if unknown:
        errors["_schema"] = [f"Unknown keys: {', '.join(unknown)}."]
    return errors
