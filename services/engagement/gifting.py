"""Gifts (小礼品): the catalogue, branch budgets and issuing a gift — the use cases.

Issuing is a small saga over unique-insert slots (FerretDB has no transactions and no
atomic counters): the request key, then a stock slot, then the cost from the budget
ledger, then the issue record with its event. Each step that fails undoes the steps
before it, and a crash between them is swept up by ``jobs.sweep_claims``.
"""
from __future__ import annotations

import time
import uuid

from chassis import clock, identity
from chassis.errors import conflict, forbidden, not_found
from chassis.identity import Identity
from chassis.models import as_dict
from contracts import engagement as events

from . import jobs, rules, slots
from .bootstrap import ports
from .models import Budget, Gift, GiftIssue

gifts = ports.gifts
budgets = ports.budgets
issues = ports.gift_issues

IN_FLIGHT_WAIT_S = 5.0   # a retry of a request still being issued waits this long for its result
IN_FLIGHT_POLL_S = 0.1


def gift_view(g: Gift) -> dict:
    used = slots.stock_used(g.id)
    return {**as_dict(g), "issued": used, "available": max(g.stock_total - used, 0)}


def budget_view(b: Budget) -> dict:
    spent = slots.spent(b.id)
    return {**as_dict(b), "spent_cents": spent, "remaining_cents": b.amount_cents - spent}


# -- catalogue and budgets (admins) --------------------------------------------------
def add_gift(data: dict, who: Identity) -> Gift:
    who.ensure_role(identity.ADMIN)
    g = Gift(id=str(uuid.uuid4()), name=data["name"], cost_cents=data["cost_cents"],
             stock_total=data["stock"], tiers=data["tiers"])
    return gifts.create(g, who)


def restock(gift_id: str, expected_version: int | None, add: int, who: Identity) -> Gift:
    who.ensure_role(identity.ADMIN)
    # More slots exist afterwards; the claimed ones stay claimed (no counter to race on).
    return gifts.update(gift_id, expected_version, lambda d: setattr(d, "stock_total", d.stock_total + add), who)


def set_budget(data: dict, who: Identity) -> Budget:
    who.ensure_role(identity.ADMIN)
    if who.branch and data["branch"] != who.branch:
        raise forbidden("Admins set budgets for their own branch only.")
    return budgets.create(Budget(id=f"{data['branch']}:{data['period']}", **data), who)


def budget_for(branch: str | None) -> Budget | None:
    """The most specific budget of the branch covering today (month, quarter, year)."""
    if not branch:
        return None
    for period in rules.period_keys(clock.today()):
        b = budgets.get(f"{branch}:{period}")
        if b is not None:
            return b
    return None


# -- issuing ---------------------------------------------------------------------------
def issue(gift_id: str, customer: dict, request_id: str, reason: str, who: Identity) -> tuple[GiftIssue, bool]:
    """Give ``gift_id`` to the customer (the caller's view of its snapshot); returns the
    issue and whether it was made now (False: this request_id was issued before)."""
    gift = gifts.get(gift_id)
    if gift is None or not gift.active:
        raise not_found("gift")
    if not rules.gift_eligible(gift.tiers, customer.get("tier")):
        raise conflict(f"This gift is for tiers {', '.join(gift.tiers)} only.", slug="not-eligible")
    existing = issues.get(request_id)
    if existing:
        return _replay(existing, gift_id, customer["id"]), False
    if not slots.take_request(request_id):
        return _result_of_request_in_flight(request_id, gift_id, customer["id"]), False
    branch = customer.get("branch") or who.branch
    budget = budget_for(branch)
    if budget is None:
        slots.drop_request(request_id)
        raise conflict(f"No gift budget for branch {branch or '(none)'} covers today.", slug="no-budget")
    n = slots.claim_stock(gift.id, gift.stock_total, request_id)
    if n is None:
        slots.drop_request(request_id)
        raise conflict("This gift is out of stock.", slug="out-of-stock")
    try:
        seq = slots.spend(budget.id, budget.amount_cents, gift.cost_cents, request_id)
    except Exception:
        slots.release_stock(gift.id, n, request_id)
        slots.drop_request(request_id)
        raise
    if seq is None:
        slots.release_stock(gift.id, n, request_id)
        slots.drop_request(request_id)
        raise conflict("The branch gift budget cannot cover this gift.", slug="budget-exhausted")
    now = clock.now()
    doc = GiftIssue(id=request_id, gift_id=gift.id, customer_id=customer["id"], manager_id=customer.get("manager_id"),
                    branch=branch, reason=reason, issued_by=who.user_id, issued_at=now,
                    cost_cents=gift.cost_cents, stock_slot=n, budget_id=budget.id, budget_seq=seq)
    try:
        issues.create(doc, who, [events.GIFT_ISSUED.new(request_id, {
            "issue_id": request_id, "gift_id": gift.id, "customer_id": doc.customer_id,
            "manager_id": doc.manager_id, "cost_cents": doc.cost_cents, "budget_id": budget.id,
            "issued_by": who.user_id, "issued_at": now})], reason=reason)
    except Exception:
        jobs.refund_once(budget.id, gift.cost_cents, request_id)
        slots.release_stock(gift.id, n, request_id)
        slots.drop_request(request_id)
        raise
    return doc, True


def _replay(existing: GiftIssue, gift_id: str, customer_id: str) -> GiftIssue:
    if existing.gift_id != gift_id or existing.customer_id != customer_id:
        raise conflict("This request_id was already used for another issue.", slug="request-id-reused")
    return existing


def _result_of_request_in_flight(request_id: str, gift_id: str, customer_id: str) -> GiftIssue:
    # Another call with this key is being issued: answer with its result once it lands.
    deadline = time.monotonic() + IN_FLIGHT_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(IN_FLIGHT_POLL_S)
        existing = issues.get(request_id)
        if existing:
            return _replay(existing, gift_id, customer_id)
    raise conflict("A request with this request_id is still being processed.", slug="in-progress")
