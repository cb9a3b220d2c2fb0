"""适当性 (suitability), enforced: may this product be proposed to this customer today? Pure.

A product that carries a risk level (wealth products, funds, insurance with an investment
part) needs a risk assessment still valid today whose level covers it (C3 covers R1–R3).
Deposits and loans carry none. The answer says why, in words a manager can repeat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import risk

NEEDS_LEVEL = ("wealth", "fund")     # a catalogue entry of these types must carry a risk level


@dataclass(frozen=True)
class Verdict:
    suitable: bool
    code: str        # suitable | not_required | no_assessment | assessment_expired | level_too_low | retired
    reason: str


def check(product: dict, level: str | None, valid_until: date | None, today: date) -> Verdict:
    if product.get("status") == "retired":
        return Verdict(False, "retired", f"product {product['code']} is retired")
    product_risk = product.get("risk_level")
    if not product_risk:
        return Verdict(True, "not_required", f"{product['product_type']} products need no risk assessment")
    if not level:
        return Verdict(False, "no_assessment", "the customer has no risk assessment on file")
    if valid_until is None or valid_until < today:
        return Verdict(False, "assessment_expired",
                       f"the customer's risk assessment expired on {valid_until}; assess again first")
    if not risk.suitable(level, product_risk):
        return Verdict(False, "level_too_low",
                       f"customer level {level} is below product level {product_risk}")
    return Verdict(True, "suitable", f"customer level {level} covers product level {product_risk}")


def catalogue_problems(entry: dict) -> dict:
    """Field errors of a catalogue entry: a term for time deposits, a risk level for investments."""
    errors: dict = {}
    kind = entry.get("product_type")
    if kind == "time_deposit" and not entry.get("term_months"):
        errors["term_months"] = ["A time deposit needs its term in months."]
    if kind in NEEDS_LEVEL and not entry.get("risk_level"):
        errors["risk_level"] = [f"A {kind} product needs its risk level (R1–R5)."]
    if kind in ("deposit", "loan") and entry.get("risk_level"):
        errors["risk_level"] = [f"A {kind} carries no risk level."]
    return errors
