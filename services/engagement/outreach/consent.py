"""PIPL consent per customer, channel and purpose: recorded with source, time and wording;
every change is a versioned record (the audit trail); effective for the next send at once."""
from __future__ import annotations

from datetime import datetime

from chassis.errors import invalid
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity
from contracts import engagement as events

from ..bootstrap import ports
from . import rules
from .models import Consent

consents = ports.consents


def consent_id(customer_id: str, channel: str, purpose: str) -> str:
    return f"{customer_id}:{channel}:{purpose}"


def status(customer_id: str, channel: str, purpose: str) -> str | None:
    c = consents.get(consent_id(customer_id, channel, purpose))
    return c.status if c is not None else None


def _event(c: Consent):
    return events.CONSENT_CHANGED.new(c.id, {
        "consent_id": c.id, "customer_id": c.customer_id, "channel": c.channel, "category": c.purpose,
        "status": c.status, "source": c.source, "recorded_at": c.recorded_at})


def record(customer: dict, channel: str, purpose: str, granted: bool, source: str, wording: str | None,
           who: Identity, at: datetime) -> Consent:
    """Grant or withdraw; the same state again changes nothing (no version, no event)."""
    if channel not in rules.CHANNELS or purpose not in rules.PURPOSES or source not in rules.CONSENT_SOURCES:
        raise invalid({"channel": ["unknown channel, purpose or source"]})
    if granted and not (wording or "").strip():
        raise invalid({"wording": ["A consent records the wording the customer agreed to."]})
    cid = consent_id(customer["id"], channel, purpose)
    state = "granted" if granted else "withdrawn"
    for _ in range(3):
        existing = consents.get(cid)
        if existing is None:
            c = Consent(id=cid, customer_id=customer["id"], manager_id=customer.get("manager_id"),
                        branch=customer.get("branch") or None, channel=channel, purpose=purpose, status=state,
                        source=source, wording=wording, recorded_at=at, recorded_by=who.user_id)
            try:
                return consents.create(c, who, [_event(c)], channel=source, reason=f"consent {state}")
            except AlreadyExists:
                continue

        def change(c: Consent):
            if c.status == state:
                return []
            c.status, c.source, c.wording, c.recorded_at, c.recorded_by = state, source, wording, at, who.user_id
            return [_event(c)]
        return consents.update_with_retry(cid, change, who, channel=source, reason=f"consent {state}")
    raise RuntimeError("could not record consent")


def opt_out(customer: dict, channel: str, source: str, wording: str | None, who: Identity,
            at: datetime) -> list[Consent]:
    """退订: withdraw care and marketing on the channel (service notices keep their own rule)."""
    return [record(customer, channel, p, False, source, wording, who, at) for p in ("care", "marketing")]


def of_customer(customer_id: str) -> list[Consent]:
    return [Consent._from_son(d) for d in Consent._get_collection().find({"customer_id": customer_id})]
