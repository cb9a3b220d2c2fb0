"""The bank's clock, for every service and the gateway: greetings, birthdays, worklists, due
dates and "today" follow Beijing time, not the server's zone (UTC in containers)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

BANK_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return datetime.now(BANK_TZ).date()


def utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def local_date(dt: datetime) -> date:
    aware = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt
    return aware.astimezone(BANK_TZ).date()


def day_bounds(d: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC."""
    start = datetime(d.year, d.month, d.day, tzinfo=BANK_TZ).astimezone(timezone.utc)
    return start, start + timedelta(days=1)
