"""Pure rules of the financial picture (客户财务状况): applying core-banking facts, which
AUM the tier uses, churn signals, contribution (贡献度) and retention. No I/O.

The picture is a plain dict (the ``FinancialPicture`` document's fields). Every core
fact carries the day it is true for (``as_of``); applying one is a merge in which the
newer day wins per key (the current balance, a holding, a month), so a fact seen twice
changes nothing and facts arriving out of order end where in-order ones would. Dates
are ISO strings, which sort as the days they name.
"""
from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

HISTORY_MONTHS = 36          # at least 24 kept, as the issue asks; a little more for year-on-year
SIGNALS_KEPT = 50
DEFAULT_POLICY: dict[str, Any] = {
    # churn: AUM falling by more than this share (percent) against the peak of the window before
    "aum_drop_pct": 30,
    "window_months": 3,
    "key_product_types": ["time_deposit", "wealth", "fund", "insurance"],
    # an opportunity proposed is won by the product opened within this many days
    "win_window_days": 90,
    # life events: a birthday that enters one of these ages opens an opportunity on this theme
    "age_bands": {"18": "first_account", "30": "home_and_family", "40": "education_savings",
                  "50": "wealth_preservation", "60": "retirement_planning"},
    # contribution (贡献度) per year, in cents: basis points of AUM and of loans, plus a figure per product held
    "contribution": {"aum_bp": 50, "loan_bp": 150,
                     "product_cents": {"deposit": 0, "time_deposit": 5_000, "wealth": 20_000, "fund": 20_000,
                                       "insurance": 30_000, "loan": 10_000}},
}


def iso(d: date | str) -> str:
    return d.isoformat() if isinstance(d, date) else d


def _opt(d: date | str | None) -> str | None:
    return None if d is None else iso(d)


def month_of(day: str) -> str:
    return day[:7]


def month_end(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(y, m)[1]:02d}"


def months_before(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    y, m = divmod(y * 12 + (m - 1) - n, 12)
    return f"{y:04d}-{m + 1:02d}"


def empty() -> dict[str, Any]:
    return {"aum_cents": None, "deposits_cents": None, "loans_cents": None, "aum_as_of": None,
            "holdings": [], "months": [], "signals": [], "dormant_since": None}


# -- applying facts ---------------------------------------------------------------------
def _month(p: dict, month: str) -> dict:
    for m in p["months"]:
        if m["month"] == month:
            return m
    row = {"month": month}
    p["months"] = sorted([*p["months"], row], key=lambda r: r["month"])[-HISTORY_MONTHS:]
    return row


def _balance(p: dict, as_of: str, aum: int, deposits: int | None = None, loans: int | None = None) -> None:
    if p.get("aum_as_of") is None or as_of >= p["aum_as_of"]:
        p["aum_cents"], p["aum_as_of"] = aum, as_of
        if deposits is not None:
            p["deposits_cents"] = deposits
        if loans is not None:
            p["loans_cents"] = loans
    month = month_of(as_of)
    if p["months"] and month < p["months"][0]["month"] and len(p["months"]) >= HISTORY_MONTHS:
        return  # older than the history kept
    row = _month(p, month)
    if row.get("aum_as_of") is None or as_of >= row["aum_as_of"]:
        row["aum_cents"], row["aum_as_of"] = aum, as_of


def apply_balances(p: dict, d: dict) -> None:
    _balance(p, iso(d["as_of"]), d["aum_cents"], d.get("deposits_cents"), d.get("loans_cents"))


def _holding(p: dict, holding_id: str) -> dict | None:
    return next((h for h in p["holdings"] if h["holding_id"] == holding_id), None)


def _put_holding(p: dict, fact: dict) -> bool:
    """Upsert one holding unless what is stored is newer; True when applied."""
    current = _holding(p, fact["holding_id"])
    if current is not None and current["as_of"] > fact["as_of"]:
        return False
    if current is None:
        p["holdings"] = [*p["holdings"], fact]
    else:
        current.update({k: v for k, v in fact.items() if v is not None or k in ("status", "as_of")})
    return True


def apply_holdings(p: dict, d: dict) -> None:
    as_of = iso(d["as_of"])
    for h in d["holdings"]:
        current = _holding(p, h["holding_id"])
        if current is not None and current.get("status") == "closed" and current["as_of"] >= as_of:
            continue
        _put_holding(p, {"holding_id": h["holding_id"], "product_code": h["product_code"],
                         "product_type": h["product_type"], "account_ref": h["account_ref"],
                         "balance_cents": h["balance_cents"], "opened_on": _opt(h.get("opened_on")),
                         "maturity_date": _opt(h.get("maturity_date")), "status": "open", "as_of": as_of})


def apply_opened(p: dict, d: dict) -> bool:
    as_of = iso(d["as_of"])
    current = _holding(p, d["holding_id"])
    if current is not None and current["as_of"] >= as_of:
        return False   # seen, or already reported later (balance, closing)
    return _put_holding(p, {"holding_id": d["holding_id"], "product_code": d["product_code"],
                            "product_type": d["product_type"], "account_ref": d["account_ref"],
                            "balance_cents": d["amount_cents"], "opened_on": as_of,
                            "maturity_date": _opt(d.get("maturity_date")), "status": "open", "as_of": as_of})


def apply_closed(p: dict, d: dict) -> bool:
    as_of = iso(d["as_of"])
    current = _holding(p, d["holding_id"])
    if current is not None and (current["as_of"] > as_of or current.get("status") == "closed"):
        return False
    return _put_holding(p, {"holding_id": d["holding_id"], "product_code": d["product_code"],
                            "product_type": d["product_type"], "account_ref": d["account_ref"],
                            "balance_cents": 0, "closed_on": as_of, "status": "closed", "as_of": as_of})


def apply_summary(p: dict, d: dict) -> None:
    month = d["month"]
    row = _month(p, month)
    row.update({"transaction_count": d["transaction_count"], "amount_band": d["amount_band"],
                "channels": sorted(set(d.get("channels") or []))})
    # The month-end AUM is a balance as of the month's last day.
    _balance(p, month_end(month), d["month_end_aum_cents"])


def apply_dormant(p: dict, d: dict) -> None:
    since = iso(d["dormant_since"])
    if p.get("dormant_since") is None or since > p["dormant_since"]:
        p["dormant_since"] = since


# -- tier: which figure wins ------------------------------------------------------------
def tier_figures(declared: dict | None, reported_aum_cents: int | None) -> dict:
    """The figures the tier rules see: the bank's reported AUM when it has one, else the
    declared one (a manager cannot edit a customer into a tier the bank's books deny)."""
    figures = dict(declared or {})
    if reported_aum_cents is not None:
        figures["aum_cents"] = reported_aum_cents
    return figures


def tier_basis(reported_aum_cents: int | None) -> str:
    return "reported" if reported_aum_cents is not None else "declared"


# -- churn and retention signals --------------------------------------------------------
def new_signals(p: dict, policy: dict, closed: dict | None = None) -> list[tuple[str, str, str]]:
    """Signals the picture now shows that were not raised before: [(signal, key, raised_on)]."""
    seen = {s["key"] for s in p.get("signals") or []}
    out: list[tuple[str, str, str]] = []
    aum, as_of = p.get("aum_cents"), p.get("aum_as_of")
    if aum is not None and as_of:
        month = month_of(as_of)
        start = months_before(month, int(policy["window_months"]))
        window = [m["aum_cents"] for m in p["months"]
                  if start <= m["month"] < month and m.get("aum_cents") is not None]
        peak = max(window, default=0)
        if peak > 0 and (peak - aum) * 100 > int(policy["aum_drop_pct"]) * peak:
            out.append(("aum_falling", f"aum_falling:{month}", as_of))
    if p.get("dormant_since"):
        out.append(("dormant", f"dormant:{p['dormant_since']}", p["dormant_since"]))
    if closed and closed["product_type"] in policy["key_product_types"]:
        out.append(("key_product_closed", f"key_product_closed:{closed['holding_id']}", closed["as_of"]))
    return [s for s in out if s[1] not in seen]


def remember_signals(p: dict, raised: list[tuple[str, str, str]]) -> None:
    rows = [*(p.get("signals") or []), *({"signal": s, "key": k, "raised_on": on} for s, k, on in raised)]
    p["signals"] = rows[-SIGNALS_KEPT:]


def at_risk(p: dict, since: str) -> bool:
    """A churn signal raised on or after ``since`` (an ISO day)."""
    return any(s["raised_on"] >= since for s in p.get("signals") or [])


# -- contribution (贡献度) ----------------------------------------------------------------
def contribution_cents(p: dict, policy: dict) -> int:
    """Yearly contribution by the branch's formula: AUM and loans in basis points, plus a
    figure per open product by type."""
    c = policy["contribution"]
    total = (p.get("aum_cents") or 0) * int(c["aum_bp"]) // 10_000
    total += (p.get("loans_cents") or 0) * int(c["loan_bp"]) // 10_000
    for h in p.get("holdings") or []:
        if h.get("status") == "open":
            total += int(c["product_cents"].get(h["product_type"], 0))
    return total


def policy_problems(policy: dict) -> dict:
    errors: dict = {}
    if not 1 <= int(policy.get("aum_drop_pct", 0)) <= 100:
        errors["aum_drop_pct"] = ["Between 1 and 100."]
    if not 1 <= int(policy.get("window_months", 0)) <= 24:
        errors["window_months"] = ["Between 1 and 24."]
    if not 1 <= int(policy.get("win_window_days", 0)) <= 366:
        errors["win_window_days"] = ["Between 1 and 366."]
    bands = policy.get("age_bands")
    if not isinstance(bands, dict) or not all(
            isinstance(k, str) and k.isdigit() and 1 <= int(k) <= 120 and isinstance(v, str)
            and re.fullmatch(r"[a-z][a-z0-9_]{0,39}", v) for k, v in bands.items()):
        errors["age_bands"] = ["Ages 1–120 (as strings) to a theme code (lower case, digits, _)."]
    return errors
