"""Use cases of the financial picture: core-banking facts in (consumers), the picture out
(API), the branch's financial policy. Rules are in ``financial.py``.

A fact is applied to the customer's ``FinancialPicture`` (one versioned aggregate per
customer); a churn signal it reveals is published by the same change record, so it can
be neither lost nor published twice. When the reported AUM moved, the customer is then
re-tiered on it (``customer.tier.changed`` as before). Both writes are idempotent, so a
redelivered fact after a crash between them completes the second.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from chassis import identity, privacy
from chassis.errors import invalid, precondition_failed
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists, StaleVersion
from chassis.identity import Identity
from contracts import core_banking as core, customer as customer_events, financial as fin_events

from . import financial, service
from .bootstrap import ports
from .financial_models import FinancialPicture, FinancialPolicy
from .models import Customer

pictures = ports.pictures
policies = ports.policies
DEFAULT = "default"
STATE_FIELDS = ("aum_cents", "deposits_cents", "loans_cents", "aum_as_of", "holdings", "months", "signals",
                "dormant_since")


def _system() -> Identity:
    return identity.system("customer")


# -- the branch's policy -------------------------------------------------------------------
_POLICY_TTL = 10.0   # seconds a consumer reuses a branch's policy (two reads saved per fact)
_policy_cache: dict[str | None, tuple[float, tuple[str, int, dict]]] = {}


def cached_policy(branch: str | None) -> tuple[str, int, dict]:
    hit = _policy_cache.get(branch)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1]
    found = policy_for(branch)
    _policy_cache[branch] = (now + _POLICY_TTL, found)
    return found


def policy_for(branch: str | None) -> tuple[str, int, dict]:
    """(whose policy, its version, the policy): the branch's own, else the default, else built-in."""
    for key in (branch, DEFAULT):
        if key:
            doc = policies.get(key)
            if doc is not None:
                return key, doc.version, {**financial.DEFAULT_POLICY, **dict(doc.policy)}
    return DEFAULT, 0, dict(financial.DEFAULT_POLICY)


def save_policy(branch: str | None, new: dict, expected_version: int, who: Identity) -> FinancialPolicy:
    """An admin sets their branch's policy (a bank-wide admin sets the default)."""
    who.ensure_role(identity.ADMIN)
    key = branch or who.branch or DEFAULT
    if who.branch and key != who.branch:
        raise invalid({"branch": ["A branch admin sets their own branch's policy."]})
    # age_bands may be left out (older clients): what is in force stays
    merged = {**financial.DEFAULT_POLICY, "age_bands": policy_for(key)[2]["age_bands"], **new}
    errors = financial.policy_problems(merged)
    if errors:
        raise invalid(errors)
    if policies.get(key) is None:
        if expected_version != 0:
            raise precondition_failed(current_version=0)
        try:
            return policies.create(FinancialPolicy(id=key, policy=merged), who, reason="financial policy edited")
        except AlreadyExists:
            raise StaleVersion(current_version=1) from None

    def change(doc):
        doc.policy = merged
    return policies.update(key, expected_version, change, who, reason="financial policy edited")


# -- facts in ----------------------------------------------------------------------------------
def _state(doc: FinancialPicture) -> dict:
    p = financial.empty()
    for f in STATE_FIELDS:
        v = getattr(doc, f)
        if v is not None:
            p[f] = [dict(x) for x in v] if isinstance(v, list) else v
    return p


def _write(doc: FinancialPicture, p: dict) -> None:
    for f in STATE_FIELDS:
        setattr(doc, f, p[f])
    doc.last_signal_on = max((s["raised_on"] for s in p["signals"]), default=None)


def mask_refs(data: dict) -> dict:
    """Account references are stored masked by the one policy, whatever the bank sent."""
    def ref(v: str | None) -> str | None:
        digits = "".join(ch for ch in (v or "") if ch.isalnum())
        return privacy.account_number(digits) if digits else None
    out = dict(data)
    if "account_ref" in out:
        out["account_ref"] = ref(out["account_ref"])
    if "holdings" in out:
        out["holdings"] = [{**h, "account_ref": ref(h.get("account_ref"))} for h in out["holdings"]]
    return out


def apply_fact(envelope: Envelope) -> FinancialPicture:
    """Apply one core-banking fact (any of the picture's inbound event types)."""
    data = mask_refs(envelope.data)
    cid = data["customer_id"]
    customer = service.store.get(cid)
    _key, _v, policy = cached_policy(customer.branch if customer else None)

    def change(doc: FinancialPicture):
        p = _state(doc)
        closed = None
        if envelope.type == core.BALANCES_REPORTED.name:
            financial.apply_balances(p, data)
        elif envelope.type == core.HOLDINGS_REPORTED.name:
            financial.apply_holdings(p, data)
        elif envelope.type == core.PRODUCT_OPENED.name:
            financial.apply_opened(p, data)
        elif envelope.type == core.PRODUCT_CLOSED.name:
            if financial.apply_closed(p, data):
                closed = {"holding_id": data["holding_id"], "product_type": data["product_type"],
                          "as_of": financial.iso(data["as_of"])}
        elif envelope.type == core.ACTIVITY_SUMMARISED.name:
            financial.apply_summary(p, data)
        elif envelope.type == core.ACCOUNT_DORMANT.name:
            financial.apply_dormant(p, data)
        raised = financial.new_signals(p, policy, closed)
        financial.remember_signals(p, raised)
        _write(doc, p)
        if customer is not None:
            doc.manager_id, doc.branch = customer.manager_id, customer.branch
        return [fin_events.CHURN_SIGNALLED.new(cid, {
            "customer_id": cid, "manager_id": doc.manager_id, "branch": doc.branch, "signal": signal,
            "signal_key": key, "raised_on": date.fromisoformat(on)}) for signal, key, on in raised]

    doc = _save(cid, change, envelope.type)
    if customer is not None and doc.aum_cents != customer.reported_aum_cents:
        retier_on_reported(cid, doc.aum_cents, current=customer)
    return doc


def record_lapse(envelope: Envelope) -> FinancialPicture:
    """engagement.contact.lapsed: no contact in the branch's N days is a churn signal like the
    picture's own — kept with them (worklist, dashboard, 360) and published once per stale
    episode as ``customer.churn.signalled`` (signal ``no_contact``), which opens a retention
    opportunity. The key names the episode, so a redelivery raises nothing new."""
    d = envelope.data
    cid = d["customer_id"]
    since = d["lapse_key"].rsplit(":", 1)[-1]
    key, raised_on = f"no_contact:{since}", financial.iso(d["raised_on"])
    customer = service.store.get(cid)

    def change(doc: FinancialPicture):
        p = _state(doc)
        if any(s["key"] == key for s in p["signals"]):
            return []
        financial.remember_signals(p, [("no_contact", key, raised_on)])
        _write(doc, p)
        if customer is not None:
            doc.manager_id, doc.branch = customer.manager_id, customer.branch
        return [fin_events.CHURN_SIGNALLED.new(cid, {
            "customer_id": cid, "manager_id": doc.manager_id, "branch": doc.branch, "signal": "no_contact",
            "signal_key": key, "raised_on": d["raised_on"]})]
    return _save(cid, change, envelope.type)


def _save(cid: str, change, reason: str) -> FinancialPicture:
    """One write in the common case: the first fact creates the picture with itself applied,
    later ones update the document just read; a lost race re-reads and applies again."""
    current = pictures.get(cid)
    if current is None:
        doc = FinancialPicture(id=cid, customer_id=cid)
        events = list(change(doc) or [])
        try:
            return pictures.create(doc, _system(), events, reason=reason)
        except AlreadyExists:
            pass   # another consumer thread created it first
    else:
        try:
            return pictures.update(cid, None, change, _system(), reason=reason, current=current)
        except StaleVersion:
            pass
    return pictures.update_with_retry(cid, change, _system(), reason=reason)


_RULES_TTL = 5.0   # seconds a consumer reuses the tier rules (one read saved per moved AUM)
_rules_cache: list[tuple[float, tuple[int, list[dict]]]] = []


def _tier_rules() -> tuple[int, list[dict]]:
    """The tier rules, re-read every few seconds: a customer scored under rules just replaced
    carries the older ``tier_rules_version`` and the worker's retier job brings it up to date."""
    now = time.monotonic()
    if _rules_cache and _rules_cache[0][0] > now:
        return _rules_cache[0][1]
    found = service.current_rules()
    _rules_cache[:] = [(now + _RULES_TTL, found)]
    return found


def retier_on_reported(customer_id: str, aum_cents: int | None, current: Customer | None = None) -> None:
    """Keep the customer's reported AUM and the tier it gives in step with the picture.
    ``current``: the customer as just read (saves a read; a stale one is re-read)."""
    version, rule_set = _tier_rules()

    def change(doc):
        band = service.snapshot(doc)["aum_band"]
        doc.reported_aum_cents = aum_cents
        tier = service.apply_tier(doc, version, rule_set)
        after = service.snapshot(doc)
        if tier:
            return [customer_events.TIER_CHANGED.new(doc.id, {**after, "old_tier": tier[0],
                                                              "new_tier": tier[1], "rules_version": version})]
        if after["aum_band"] != band:
            # The tier held but the band moved: the copies rank the book by it (next best action).
            return [customer_events.UPDATED.new(doc.id, {**after, "changed_fields": ["reported_aum_cents"]})]
        return []
    if current is not None:
        try:
            service.store.update(customer_id, None, change, _system(), reason="reported AUM", current=current)
            return
        except StaleVersion:
            pass   # changed since it was read: re-read and apply again
    service.store.update_with_retry(customer_id, change, _system(), reason="reported AUM")


# -- the picture out -----------------------------------------------------------------------
def view(customer_id: str, who: Identity, today: date) -> dict[str, Any]:
    """The picture of a customer the caller sees (404 otherwise): current AUM and holdings,
    monthly history, declared vs reported, contribution, signals. Account refs are masked
    by the caller of this (the API), under the one policy."""
    c = service.store.require(customer_id, "customer")
    who.ensure_can_see(c.manager_id, c.branch)
    doc = pictures.get(customer_id)
    p = _state(doc) if doc is not None else financial.empty()
    key, version, policy = policy_for(c.branch)
    declared = dict(c.financial or {})
    since = (today - timedelta(days=30)).isoformat()
    return {
        "customer_id": customer_id,
        "reported": None if p["aum_as_of"] is None else {
            "aum_cents": p["aum_cents"], "deposits_cents": p["deposits_cents"], "loans_cents": p["loans_cents"],
            "as_of": p["aum_as_of"]},
        "declared": {"aum_cents": declared.get("aum_cents"),
                     "annual_income_cents": declared.get("annual_income_cents")},
        "tier": c.tier, "tier_basis": financial.tier_basis(c.reported_aum_cents),
        "holdings": p["holdings"], "months": p["months"], "signals": p["signals"],
        "at_risk": financial.at_risk(p, since), "dormant_since": p["dormant_since"],
        "contribution_cents": financial.contribution_cents(p, policy),
        "policy": {"branch": key, "version": version},
    }
