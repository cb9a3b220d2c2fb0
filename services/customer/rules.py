"""Pure business rules of the customer archive: tiers, re-verification,
birthday windows, risk validity. No I/O; unit-tested without servers."""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from typing import Any

# Lowest to highest; a customer gets the highest tier whose thresholds it meets.
TIERS = ("standard", "gold", "platinum", "diamond", "private_banking")
TIER_INPUTS = ("aum_cents", "annual_income_cents", "products_held")

# 50k / 500k / 2M / 6M CNY of AUM (in cents): common retail-bank steps; admins edit them.
DEFAULT_TIER_RULES: list[dict[str, Any]] = [
    {"tier": "standard"},
    {"tier": "gold", "min_aum_cents": 50_000_00},
    {"tier": "platinum", "min_aum_cents": 500_000_00},
    {"tier": "diamond", "min_aum_cents": 2_000_000_00},
    {"tier": "private_banking", "min_aum_cents": 6_000_000_00},
]

CLASSES = ("retail", "hnw", "sme", "corporate", "private", "youth", "senior", "rural", "payroll", "potential")


def tier_rules_problems(rules: list[dict]) -> dict:
    """Field errors for a rule set: every tier once, thresholds rising with the tier."""
    errors: dict = {}
    names = [r["tier"] for r in rules]
    if sorted(names, key=TIERS.index) != names or len(set(names)) != len(names):
        errors["rules"] = ["List each tier at most once, from standard up to private_banking."]
    if "standard" not in names:
        errors.setdefault("rules", []).append("The standard tier must be present (it has no threshold).")
    for key in ("min_aum_cents", "min_annual_income_cents", "min_products_held"):
        last = -1
        for r in rules:
            v = r.get(key)
            if v is None:
                continue
            if v <= last:
                errors.setdefault("rules", []).append(f"{key} must rise with the tier ({r['tier']}).")
            last = v
    return errors


def compute_tier(financial: dict | None, rules: list[dict]) -> str:
    """The highest tier whose every threshold the figures meet (missing figures count as 0)."""
    f = financial or {}
    figures = {"min_aum_cents": f.get("aum_cents") or 0,
               "min_annual_income_cents": f.get("annual_income_cents") or 0,
               "min_products_held": f.get("products_held") or 0}
    best = "standard"
    for rule in sorted(rules, key=lambda r: TIERS.index(r["tier"])):
        if all(figures[k] >= v for k, v in rule.items() if k in figures and v is not None):
            best = rule["tier"]
    return best


def add_months(d: date | datetime, months: int):
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return d.replace(year=year, month=month, day=day)


def reverify_cutoff(today: date, months: int) -> datetime:
    """Information last confirmed before this instant is due for re-verification."""
    d = add_months(today, -months)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc) + timedelta(days=1)


def reverification_due(last_confirmed_at: datetime | None, today: date, months: int) -> bool:
    if last_confirmed_at is None:
        return True
    if last_confirmed_at.tzinfo is None:
        last_confirmed_at = last_confirmed_at.replace(tzinfo=timezone.utc)
    return last_confirmed_at < reverify_cutoff(today, months)


def mmdd(d: date | None) -> str | None:
    return f"{d.month:02d}{d.day:02d}" if d else None


def birthday_ranges(start: date, end: date) -> list[tuple[str, str]] | None:
    """Inclusive "MMDD" ranges covering the window; two when it wraps the year end.

    None means the window covers every day of the year (no filter needed).
    """
    if end < start:
        raise ValueError("the window ends before it starts")
    if (end - start).days >= 365:
        return None
    a, b = f"{start.month:02d}{start.day:02d}", f"{end.month:02d}{end.day:02d}"
    return [(a, b)] if a <= b else [(a, "1231"), ("0101", b)]


def risk_valid_until(assessed_on: date, months: int) -> date:
    return add_months(assessed_on, months)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
