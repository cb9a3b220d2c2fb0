"""The opportunity pipeline (商机) as rules: its stages, when an opened product wins one,
which life events open one, and the conversion figures. Pure."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from chassis.statemachine import StateMachine

OPEN = ("identified", "proposed", "accepted")
CLOSED = ("declined", "won", "lost", "expired")
MANUAL_SOURCES = ("visit_need", "life_event", "activity", "manual")
DECLINE_REASONS = ("not_interested", "price", "timing", "competitor", "insufficient_funds", "other")
IDENTIFIED_DAYS = 30      # an opportunity nobody proposes anything for expires after this

PIPELINE = StateMachine("opportunity", {
    "propose": (("identified", "proposed"), "proposed"),   # proposing again replaces the product
    "accept": (("proposed",), "accepted"),
    "decline": (("identified", "proposed"), "declined"),
    "lose": (OPEN, "lost"),
    "win": (("proposed", "accepted"), "won"),
    "expire": (OPEN, "expired"),
}, internal=frozenset({"win", "expire"}))

_NS = uuid.UUID("5b8f7a52-2f7e-4f7e-9d0e-13c0b4a1e013")


def opportunity_id(source: str, *parts: str) -> str:
    """Deterministic for opportunities opened by events: a redelivery opens nothing new."""
    return str(uuid.uuid5(_NS, ":".join((source, *parts))))


def day(v: date | datetime | str) -> str:
    if isinstance(v, datetime):
        return v.date().isoformat()
    return v.isoformat() if isinstance(v, date) else v


def plus_days(d: date | str, n: int) -> str:
    start = date.fromisoformat(d) if isinstance(d, str) else d
    return (start + timedelta(days=n)).isoformat()


# -- life events ---------------------------------------------------------------------------
BIRTHDAY_LOOKBACK_DAYS = 7   # a birthday missed while the worker was down is still seen this long
FAMILY_COUNTS = ("children", "dependents", "household_size")


def birthday_in(birth: date, year: int) -> date:
    """The birthday in ``year``; 29 February is kept on the 28th in other years."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def age_band_entered(birth: date | None, today: date, bands: dict[str, str],
                     lookback_days: int = BIRTHDAY_LOOKBACK_DAYS) -> tuple[int, str, date] | None:
    """(age, theme, birthday) when a birthday within the last ``lookback_days`` (today
    included) made the customer an age named in ``bands`` (e.g. 60 → retirement_planning)."""
    if birth is None:
        return None
    for back in range(lookback_days):
        d = today - timedelta(days=back)
        if birthday_in(birth, d.year) == d:
            age = d.year - birth.year
            theme = bands.get(str(age))
            return (age, theme, d) if theme else None
    return None


def family_grew(old: dict | None, new: dict | None) -> bool:
    """A new family member: more children, dependents or people in the household than before
    (a count appearing for the first time is information collected, not a new member)."""
    old, new = old or {}, new or {}
    return any(isinstance(old.get(k), int) and isinstance(new.get(k), int) and new[k] > old[k]
               for k in FAMILY_COUNTS)


def wins(opp: dict, product_code: str, opened_on: str) -> bool:
    """Does opening ``product_code`` on ``opened_on`` win this opportunity?"""
    if opp.get("stage") not in ("proposed", "accepted") or opp.get("product_code") != product_code:
        return False
    proposed = opp.get("proposed_at")
    start = day(proposed) if proposed else opened_on
    return start <= opened_on <= (opp.get("win_by") or opened_on)


def _row() -> dict:
    return {"opened": 0, "proposed": 0, "won": 0, "declined": 0, "lost": 0, "expired": 0, "open": 0,
            "conversion": None}


def conversion(opps: Iterable[dict]) -> dict:
    """Per manager, product and source: how many opened, reached proposal, won, ...;
    ``conversion`` = won / opened (None when none opened)."""
    out: dict = {"overall": _row(), "per_manager": {}, "per_product": {}, "per_source": {}}
    for o in opps:
        rows = [out["overall"], out["per_manager"].setdefault(o.get("manager_id") or "unassigned", _row()),
                out["per_source"].setdefault(o["source"], _row())]
        if o.get("product_code"):
            rows.append(out["per_product"].setdefault(o["product_code"], _row()))
        for r in rows:
            r["opened"] += 1
            if o.get("proposed_at") is not None:
                r["proposed"] += 1
            stage = o["stage"]
            r["open" if stage in OPEN else stage] += 1
    for r in [out["overall"], *(v for k in ("per_manager", "per_product", "per_source") for v in out[k].values())]:
        r["conversion"] = round(r["won"] / r["opened"], 4) if r["opened"] else None
    return out
