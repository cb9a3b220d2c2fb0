"""The holiday calendar greetings are scheduled from (see docs/holidays.md).

Lunar holidays come from the ``lunardate`` library (a pure-Python table of the
Chinese lunisolar calendar for 1900–2099, the same data as Hong Kong
Observatory's conversion tables), so no hand-kept per-year list goes stale.
Pure functions: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunardate import LunarDate

# (key, Chinese name, English name, lunar month, lunar day)
LUNAR = (
    ("spring_festival", "春节", "Spring Festival", 1, 1),
    ("lantern", "元宵节", "Lantern Festival", 1, 15),
    ("dragon_boat", "端午节", "Dragon Boat Festival", 5, 5),
    ("qixi", "七夕", "Qixi Festival", 7, 7),
    ("mid_autumn", "中秋节", "Mid-Autumn Festival", 8, 15),
    ("double_ninth", "重阳节", "Double Ninth Festival", 9, 9),
)
# (key, Chinese name, English name, month, day)
GREGORIAN = (
    ("new_year", "元旦", "New Year's Day", 1, 1),
    ("womens_day", "妇女节", "International Women's Day", 3, 8),
    ("labour_day", "劳动节", "Labour Day", 5, 1),
    ("childrens_day", "儿童节", "Children's Day", 6, 1),
    ("national_day", "国庆节", "National Day", 10, 1),
)

FIRST_YEAR, LAST_YEAR = 1901, 2099  # lunardate's table covers these fully


@dataclass(frozen=True)
class Holiday:
    key: str
    name: str
    name_en: str
    date: date
    lunar: bool


def lunar_new_years_eve(year: int) -> date:
    """除夕: the day before Spring Festival (month 12 may have 29 or 30 days)."""
    return LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)


@lru_cache(maxsize=256)
def calendar(year: int) -> tuple[Holiday, ...]:
    """Every greeting holiday falling in Gregorian ``year``, sorted by date."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holiday calendar covers {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    out = [Holiday(k, zh, en, date(year, m, d), False) for k, zh, en, m, d in GREGORIAN]
    # A lunar holiday of lunar year Y always falls in Gregorian year Y (Spring
    # Festival is between Jan 21 and Feb 20), so lunar year == Gregorian year.
    for k, zh, en, m, d in LUNAR:
        out.append(Holiday(k, zh, en, LunarDate(year, m, d).to_solar_date(), True))
    out.append(Holiday("new_years_eve", "除夕", "Lunar New Year's Eve", lunar_new_years_eve(year), True))
    return tuple(sorted(out, key=lambda h: (h.date, h.key)))


def on(day: date) -> list[Holiday]:
    return [h for h in calendar(day.year) if h.date == day]


def by_key(year: int, key: str) -> Holiday | None:
    return next((h for h in calendar(year) if h.key == key), None)
