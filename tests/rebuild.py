"""The attacker of issue #9: how many values fit a masked value, given everything
else a masked response shows (pure; used by unit, integration and e2e tests).

The attacker is generous to themselves: they know the customer's full 6-digit
region code, the bank's 6-digit card prefix, and the real lengths of
documents; a masked value "cannot be rebuilt" when at least MIN_CANDIDATES fit.
"""
from __future__ import annotations

from datetime import date, timedelta

MIN_CANDIDATES = 1_000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# The age bands a masked view may show, as (lowest, highest) age.
_BANDS = {"under 30": (0, 29), "30-45": (30, 45), "46-55": (46, 55), "56-65": (56, 65), "over 65": (66, 200)}


def _fits(masked: str, value: str) -> bool:
    return len(masked) == len(value) and all(m == "*" or m == v for m, v in zip(masked, value))


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birth_dates(view: dict, today: date):
    """Every birth date consistent with birth_date, age and age_band as shown."""
    shown = view.get("birth_date") or ""
    if len(shown) == 10:                       # YYYY-MM-DD in clear
        candidates = [date.fromisoformat(shown)]
    else:
        day, candidates = date(1900, 1, 1), []
        while day <= today:
            if not shown.startswith("--") or shown == f"--{day.month:02d}-{day.day:02d}":
                candidates.append(day)
            day += timedelta(days=1)
    for d in candidates:
        if view.get("age") is not None and _age(d, today) != view["age"]:
            continue
        band = _BANDS.get(view.get("age_band") or "")
        if band and not band[0] <= _age(d, today) <= band[1]:
            continue
        yield d


def resident_ids(view: dict, region: str, today: date, limit: int = 10**6) -> int:
    """Valid 18-character resident ID numbers (GB 11643 check character) that fit
    the masked ``id_number`` and the birth date, age, age band and gender shown."""
    masked = view["id_number"]
    gender = view.get("gender")
    count = 0
    for d in _birth_dates(view, today):
        stem = region + d.strftime("%Y%m%d")
        for seq in range(1000):
            if gender in ("male", "female") and seq % 2 != (1 if gender == "male" else 0):
                continue
            first17 = stem + f"{seq:03d}"
            value = first17 + _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]
            if _fits(masked, value):
                count += 1
                if count >= limit:
                    return count
    return count


def same_length(masked: str, alphabet: int = 10) -> int:
    """A format of fixed length (mobile, document): every hidden position is open."""
    return alphabet ** masked.count("*")


def free_text(masked: str, min_length: int, alphabet: int) -> int:
    """A value whose masked form hides its length: the attacker assumes the shortest."""
    visible = sum(1 for ch in masked if ch != "*")
    return alphabet ** max(min_length - visible, 0)


def account(masked: str, known_prefix: int = 6) -> int:
    """Account numbers fitting the shown tail: the issuer prefix is public, the
    length is the shortest the tail allows (4 digits only for 16+), one digit may
    be a Luhn check."""
    tail = sum(1 for ch in masked if ch != "*")
    shortest = 16 if tail >= 4 else 12
    if len(masked) >= 12:
        shortest = len(masked)                 # a length-keeping form shows the length
    return max(10 ** (shortest - known_prefix - tail) // 10, 1)
