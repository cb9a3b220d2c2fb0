"""Masking of sensitive customer fields (JR/T 0171-2020 C3/C2 information)."""
from __future__ import annotations


def mask_middle(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def mask_mobile(v):        # 138****5678
    return mask_middle(v, 3, 4)


def mask_id_number(v):     # 110101********123X
    return mask_middle(v, 6, 4)


def mask_account(v):       # ************1234
    return mask_middle(v, 0, 4)


def mask_email(v):
    if not v or "@" not in v:
        return mask_middle(v, 1, 0)
    local, domain = v.split("@", 1)
    return (local[:1] + "***@" + domain) if local else v


def mask_address(v):       # keep the city-level prefix only
    return mask_middle(v, 6, 0)

