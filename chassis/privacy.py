"""The masking policy: one table of the customer fields that are personal
financial information (JR/T 0171-2020 classes), what a masked view shows of
each, and who may see them in clear. Every response that carries customer data
(profiles, list rows, history, snapshots other services serve) goes through it.

Why the dependent fields are in the table: a masked ID number is only as good
as what sits next to it. The resident ID number is region + birth date +
sequence (its parity is the gender) + a check character computed from the rest,
so the masked view shows no birth year (month-day only, for birthday care), an
age band instead of the age, no gender, and of the number itself only the
province and city. What is left open is at least 10 birth years (2 leap years
for 29 February) x 1,000 sequence numbers; the check character follows from
them, so it rules none out.

Who may unmask: a caller holding ``unmask`` who stated a purpose
(``Identity.may_unmask``, the gateway's X-Unmask-Purpose); ``read`` audits every
such read. List rows and copies held by other services are never unmasked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from . import audit, masking
from .identity import Identity

EMPTY: tuple[object, ...] = (None, "", [], {})


@dataclass(frozen=True)
class Rule:
    field: str
    jrt_class: str                          # JR/T 0171-2020 class (C3 highest; none of C3 is kept here)
    shows: str                              # the masked form, in words (docs/customer.md renders the table)
    form: Callable[[Any], Any]              # value -> masked value; None = left out


def _person(p: dict[str, Any]) -> dict[str, Any]:
    # A corporate customer's contact person: name and role are how the company
    # is reached; their own phone numbers and mailbox are masked like a customer's.
    out = dict(p)
    for key, form in (("mobile", masking.mobile), ("phone", masking.phone), ("email", masking.email)):
        if out.get(key):
            out[key] = form(out[key])
    return out


POLICY: dict[str, Rule] = {r.field: r for r in (
    Rule("id_number", "C2", "first third, at most 4 characters (resident ID: province and city of the region code)",
         masking.document),
    # C1 on their own (they identify no one), masked for what they would narrow: the ID number.
    Rule("birth_date", "C1", "month and day only, `--MM-DD` (no year)", masking.month_day),
    Rule("age", "C1", "left out; `age_band` (the risk questionnaire's bands) instead", lambda v: None),
    Rule("gender", "C1", "left out (the ID number's sequence parity)", lambda v: None),
    Rule("mobile", "C2", "`138****5678`: carrier prefix and last 4", masking.mobile),
    Rule("phone", "C2", "area code and last 2 digits: `010-****78`", masking.phone),
    Rule("email", "C2", "first character and domain: `z***@example.com`", masking.email),
    Rule("address", "C2", "province and city: `广东省深圳市****`", masking.address),
    Rule("wechat", "C2", "first character, length hidden: `w****`", masking.free_text),
    Rule("qq", "C2", "first digit, length hidden: `1****`", masking.free_text),
    Rule("accounts", "C2", "each number `****1234` (16+ digits) or `****34`; kind kept",
         lambda v: [{**a, "number": masking.account(a["number"])} if a.get("number") else dict(a) for a in v]),
    Rule("contacts", "C2", "each person: name and role; mobile, phone, email as above",
         lambda v: [_person(p) for p in v]),
)}

UNMASK = "a caller with the unmask right who stated a purpose (X-Unmask-Purpose); audited"


def sensitive(field: str) -> bool:
    return field in POLICY


def mask(record: dict[str, Any], unmask: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The record as a caller sees it, and the policy fields shown in clear.

    Pure: the caller decides ``unmask`` (``read`` does it from the identity)
    and audits what comes back as clear.
    """
    out = dict(record)
    clear = []
    for field, rule in POLICY.items():
        if out.get(field) in EMPTY:
            continue
        if unmask:
            clear.append(field)
        else:
            out[field] = rule.form(out[field])
    return out, clear


def mask_value(field: str, value: Any, unmask: bool = False) -> Any:
    """One value of ``field`` (a history diff's old or new) as a caller sees it."""
    if unmask or field not in POLICY or value in EMPTY:
        return value
    return POLICY[field].form(value)


def account_number(value: str) -> str:
    """An account number met outside a profile (a core-banking reference): the accounts rule."""
    return masking.account(value)


def with_age(record: dict[str, Any], today: date) -> dict[str, Any]:
    """Add the derived ``age`` and ``age_band`` from ``birth_date`` (before masking)."""
    birth = masking.as_date(record.get("birth_date"))
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)) if birth else None
    return {**record, "age": age, "age_band": masking.age_band(birth, today)}


def read(record: dict[str, Any], who: Identity | None, customer_id: str, resource: str = "customer",
         branch: str | None = None) -> dict[str, Any]:
    """``record`` for this caller: masked unless they may unmask, in which case
    the read is written to the audit trail with the fields shown in clear."""
    unmask = bool(who and who.may_unmask)
    out, clear = mask(record, unmask)
    if clear:
        audit.record_read(customer_id, clear, resource=resource, branch=branch)
    out["masked"] = not unmask
    return out


def table() -> list[dict[str, str]]:
    """The policy as rows, for docs and tests."""
    return [{"field": r.field, "class": r.jrt_class, "masked": r.shows, "unmask": UNMASK} for r in POLICY.values()]
