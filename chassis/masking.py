"""Masked forms of single values (pure functions, no I/O).

Which field gets which form, and who may see it in clear, is decided in one
place: chassis/privacy.py. Each form keeps only what a relationship manager
needs to recognise a value and never the part that, with the rest of a masked
response, would let someone rebuild it (see docs/customer.md, "Masking").
"""
from __future__ import annotations

import re
from datetime import date, datetime

# A fixed run of stars: where a format does not already fix the length, the
# masked form does not give it away either.
STARS = "****"

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 3 digits for 010 and 02x, 4 for every other (0xxx).
_PHONE = re.compile(r"^(?:(0[12]\d|0[3-9]\d{2})-?)?(\d{7,8})(?:-\d{1,6})?$")
# Province-level unit, then (outside the four municipalities) a prefecture-level one.
_MUNICIPALITY = re.compile(r"^(北京市|天津市|上海市|重庆市)")
_PROVINCE = re.compile(r"^(.{2,3}?省|.{2,8}?自治区|香港特别行政区|澳门特别行政区)")
_BELOW_CITY = re.compile(r"[区县旗镇乡路街号]")

# Most characters an identity document shows: for an 18-character resident ID
# these are the province and city of the region code, never the birth date,
# sequence number (which encodes gender) or check character.
DOCUMENT_MAX_SHOWN = 4


def document(value: str) -> str:
    """An ID document number: its first third at most, and no more than 4
    characters, whatever the type (the foreign permanent resident card embeds a
    birth date as the resident ID does; a passport or permit is short, so a
    third of it is all it may show). The length is kept: the type fixes it anyway."""
    shown = min(len(value) // 3, DOCUMENT_MAX_SHOWN)
    return value[:shown] + "*" * (len(value) - shown)


def mobile(value: str) -> str:
    """138****5678: the carrier prefix and the last 4; 10^4 numbers fit."""
    if not _MOBILE.match(value):
        return free_text(value)
    return value[:3] + "****" + value[-4:]


def phone(value: str) -> str:
    """The area code (city level, as the address) and the last 2 digits of the
    local number; at least 10^5 numbers fit. A mobile number is masked as one."""
    if _MOBILE.match(value):
        return mobile(value)
    m = _PHONE.match(value)
    if not m:
        return free_text(value)
    area, local = m.group(1), m.group(2)
    return (f"{area}-" if area else "") + STARS + local[-2:]


def email(value: str) -> str:
    """z***@example.com: the first character of the local part and the domain."""
    if "@" not in value:
        return free_text(value)
    local, domain = value.split("@", 1)
    return local[:1] + "***@" + domain


def address(value: str) -> str:
    """Province and city only (上海市****, 广东省深圳市****); nothing when the
    address does not start with them."""
    m = _MUNICIPALITY.match(value)
    if m:
        return m.group(1) + STARS
    m = _PROVINCE.match(value)
    province = m.group(1) if m else ""
    return province + _city(value[len(province):]) + STARS


def _city(text: str) -> str:
    """The prefecture-level name text starts with (杭州市, 恩施土家族苗族自治州), or ""."""
    ends = [i + len(t) for t in ("市", "自治州", "地区", "盟") if 0 < (i := text.find(t)) <= 10]
    city = text[:min(ends)] if ends else ""
    return "" if _BELOW_CITY.search(city) else city


def free_text(value: str) -> str:
    """A user-chosen id (WeChat, QQ) or anything without a known format: its
    first character only, and not its length."""
    return value[:1] + STARS


def account(value: str) -> str:
    """****1234 for a card-length number (16+ digits); ****34 for a shorter
    account. The issuer prefix is public, so what stays hidden must be enough on
    its own: 16 - 6 - 4 or 12 - 6 - 2 digits at least."""
    digits = "".join(ch for ch in value if ch.isalnum())
    return STARS + digits[-4:] if len(digits) >= 16 else STARS + digits[-2:]


def month_day(value: object) -> str | None:
    """A birth date without its year, ISO 8601 "--MM-DD": what birthday care needs."""
    d = as_date(value)
    return f"--{d.month:02d}-{d.day:02d}" if d else None


# The risk questionnaire's age bands (services/customer/risk.py), so that a risk
# answer and a masked profile together narrow nothing further. The narrowest
# band is 10 years wide.
AGE_BANDS = ((0, 29, "under 30"), (30, 45, "30-45"), (46, 55, "46-55"), (56, 65, "56-65"), (66, 200, "over 65"))


def age_band(birth: object, today: date) -> str | None:
    d = as_date(birth)
    if d is None:
        return None
    age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
    return next((label for lo, hi, label in AGE_BANDS if lo <= age <= hi), None)


def as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
