"""Format checks for Chinese identifiers (pure functions, no I/O).

GB 11643-1999 (resident ID number) and GB 32100-2015 (unified social credit
code) both end in a check character computed from the others.
"""
from __future__ import annotations

import re
from datetime import date

from chassis import clock

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_RE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$|^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ACCOUNT_RE = re.compile(r"^\d{12,19}$")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I O S V Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def resident_id_problem(value: str) -> str | None:
    """None when ``value`` is a valid 18-character resident ID number, else why not."""
    if not re.fullmatch(r"\d{17}[\dX]", value or ""):
        return "A resident ID number is 17 digits and a digit or X."
    if value[0] not in "12345678":
        return "Not a valid region code."
    if birth_date_from_resident_id(value) is None:
        return "The birth date inside the ID number is not a valid date."
    if resident_id_check_char(value[:17]) != value[17]:
        return "The check digit does not match (GB 11643)."
    return None


def birth_date_from_resident_id(value: str) -> date | None:
    try:
        d = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return d if date(1900, 1, 1) <= d <= clock.today() else None


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """None when ``value`` is a valid unified social credit code, else why not."""
    if len(value or "") != 18 or any(c not in USCC_CHARSET for c in value):
        return "A unified social credit code is 18 characters of 0-9 and A-Y without I, O, S, V, Z."
    if uscc_check_char(value[:17]) != value[17]:
        return "The check character does not match (GB 32100)."
    return None
