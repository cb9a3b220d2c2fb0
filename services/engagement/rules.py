"""Pure engagement rules (no I/O): cadence, visit states, care occasions, gifts, activities."""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chassis.statemachine import StateMachine

from . import holidays

CHANNELS = ("counter", "phone", "sms", "email", "wechat", "qq", "social", "online_banking",
            "mobile_banking", "visit")
TIERS = ("standard", "gold", "platinum", "diamond", "private_banking")  # the customer service's tiers

# ---------------------------------------------------------------------------- cadence
# Days between contacts (domain: diamond monthly, gold quarterly). Admins override
# these per tier or class; a customer gets the shortest interval that applies.
DEFAULT_CADENCE = {
    "tier:private_banking": 30, "tier:diamond": 30, "tier:platinum": 60, "tier:gold": 90,
    "tier:standard": 180, "class:hnw": 30, "class:private": 30, "class:sme": 60,
}
FALLBACK_DAYS = 180
DUE_WINDOW_DAYS = 7   # "due" = the deadline is within this many days


def cadence_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def interval_days(tier: str | None, classes, rules: dict[str, int]) -> int:
    """Shortest interval among the rules for the customer's tier and classes."""
    keys = [cadence_key("tier", tier or "standard")] + [cadence_key("class", c) for c in classes or ()]
    found = [rules[k] for k in keys if k in rules]
    return min(found) if found else FALLBACK_DAYS


@dataclass(frozen=True)
class CadenceStatus:
    status: str            # "ok" | "due" | "overdue"
    due_on: date
    days_overdue: int


def cadence_status(last_contact: date | None, interval: int, today: date, since: date | None = None,
                   window: int = DUE_WINDOW_DAYS) -> CadenceStatus:
    """Where a customer stands. Never contacted: due from ``since`` (when they joined the book)."""
    if last_contact is None:
        due_on = since or today
    else:
        due_on = last_contact + timedelta(days=interval)
    if due_on < today:
        return CadenceStatus("overdue", due_on, (today - due_on).days)
    if due_on <= today + timedelta(days=window):
        return CadenceStatus("due", due_on, 0)
    return CadenceStatus("ok", due_on, 0)


# ---------------------------------------------------------------------------- visits
PLANNED, IN_PROGRESS, RECORDED, COMPLETED, CANCELLED = "planned", "in_progress", "recorded", "completed", "cancelled"
VISIT_STATES = (PLANNED, IN_PROGRESS, RECORDED, COMPLETED, CANCELLED)
VISITS = StateMachine("visit", {
    "start": ((PLANNED,), IN_PROGRESS),
    "record": ((PLANNED, IN_PROGRESS), RECORDED),
    "evaluate": ((RECORDED,), COMPLETED),
    "cancel": ((PLANNED, IN_PROGRESS), CANCELLED),
})


# ---------------------------------------------------------------------------- care
@dataclass(frozen=True)
class Occasion:
    key: str        # unique per customer and year: birthday | holiday_<key> | anniversary_<n>
    kind: str       # birthday | holiday | anniversary
    label: str
    date: date


def _as_date(v) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def same_day_in(year: int, d: date) -> date:
    """The anniversary of ``d`` in ``year``; Feb 29 falls on Feb 28 in common years."""
    if d.month == 2 and d.day == 29 and not _cal.isleap(year):
        return date(year, 2, 28)
    return date(year, d.month, d.day)


# Customer events carry an important date's kind, not the label typed for it (free text
# stays in the customer service), so the greeting is named after the kind.
DATE_KIND_LABELS = {"anniversary": "纪念日 Anniversary", "wedding": "结婚纪念日 Wedding anniversary",
                    "child_birthday": "子女生日 Child's birthday",
                    "company_founding": "成立纪念日 Founding anniversary", "other": "纪念日 Anniversary"}


def occasions(snapshot: dict, year: int, include_holidays: bool = True) -> list[Occasion]:
    """Every greeting occasion of one customer in ``year``."""
    out = []
    birth = _as_date(snapshot.get("birth_date"))
    if birth:
        out.append(Occasion("birthday", "birthday", "生日 Birthday", same_day_in(year, birth)))
    for i, imp in enumerate(snapshot.get("important_dates") or []):
        d = _as_date(imp.get("date")) if isinstance(imp, dict) else None
        if d and d.year <= year:
            label = DATE_KIND_LABELS.get(imp.get("kind"), DATE_KIND_LABELS["anniversary"])
            out.append(Occasion(f"anniversary_{i}", "anniversary", label, same_day_in(year, d)))
    if include_holidays:
        for h in holidays.calendar(year):
            out.append(Occasion(f"holiday_{h.key}", "holiday", f"{h.name} {h.name_en}", h.date))
    return sorted(out, key=lambda o: (o.date, o.key))


def occasions_between(snapshot: dict, start: date, end: date) -> list[Occasion]:
    """The occasions of ``occasions`` from ``start`` to ``end`` (inclusive), in its order.
    Holidays are picked from the year's calendar before any is built: a worklist asks this
    for every customer of a book (500), and building each year's ~15 holidays per customer
    only to drop them was a quarter of the worklist's Python time."""
    out = []
    for year in range(start.year, end.year + 1):
        own = [o for o in occasions(snapshot, year, include_holidays=False) if start <= o.date <= end]
        out += sorted(own + _holidays_between(year, start, end), key=lambda o: (o.date, o.key))
    return out


def _holidays_between(year: int, start: date, end: date) -> list[Occasion]:
    return [Occasion(f"holiday_{h.key}", "holiday", f"{h.name} {h.name_en}", h.date)
            for h in holidays.calendar(year) if start <= h.date <= end]


def greeting_id(occasion_key: str, year: int, customer_id: str) -> str:
    """Deterministic: inserting it twice fails, so no one is greeted twice for one occasion."""
    return f"{occasion_key}:{year}:{customer_id}"


def pick_channel(preferred, fallback: str = "sms") -> str:
    for c in preferred or ():
        if c in CHANNELS:
            return c
    return fallback


# ---------------------------------------------------------------------------- gifts and budgets
def gift_eligible(gift_tiers, customer_tier: str | None) -> bool:
    """An empty eligibility list means every tier."""
    return not gift_tiers or (customer_tier or "standard") in gift_tiers


def period_keys(day: date) -> list[str]:
    """Budget periods covering ``day``, most specific first: month, quarter, year."""
    return [f"{day.year}-{day.month:02d}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", f"{day.year}"]


def valid_period(p: str) -> bool:
    import re
    return bool(re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?", p))


def budget_allows(spent_cents: int, cost_cents: int, amount_cents: int) -> bool:
    return cost_cents >= 0 and spent_cents + cost_cents <= amount_cents


# ---------------------------------------------------------------------------- activities
ACTIVITY_TYPES = ("education_lecture", "vip_dinner", "wealth_salon", "thank_you_event",
                  "sme_seminar", "family_event")
ACTIVITY_STATES = ("planned", "held", "evaluated", "cancelled")


def in_segment(snapshot: dict, segment: dict) -> bool:
    """Every non-empty criterion must match (any-of within a criterion)."""
    if (snapshot.get("status") or "active") != "active":
        return False
    if segment.get("tiers") and (snapshot.get("tier") or "standard") not in segment["tiers"]:
        return False
    if segment.get("classes") and not set(segment["classes"]) & set(snapshot.get("classes") or ()):
        return False
    if segment.get("tags") and not set(segment["tags"]) & set(snapshot.get("tags") or ()):
        return False
    if segment.get("manager_ids") and snapshot.get("manager_id") not in segment["manager_ids"]:
        return False
    if segment.get("branch") and snapshot.get("branch") != segment["branch"]:
        return False
    return True


def activity_budget_ok(capacity: int, cost_per_head_cents: int, budget_cents: int) -> bool:
    return capacity * cost_per_head_cents <= budget_cents


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
