"""Use cases of the opportunity pipeline (商机): opened by hand or by events (a maturing
deposit, a churn signal, an activity attended, a new family member) and by the worker (a
birthday entering an age band), proposed only when suitable (适当性, enforced and the refusal
audited), accepted or declined, won when core banking reports the product opened.
Rules are in ``pipeline.py`` and ``suitability.py``.

Why here and not in engagement: everything a step decides on lives in this service —
the customer's risk level and its validity (suitability), the catalogue, the financial
picture and the core-banking facts that win an opportunity. Engagement would need copies
of all of them; the gateway shows the pipeline on the worklist and in the 360.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from chassis import audit, clock, identity
from chassis.errors import conflict, forbidden, invalid
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity
from chassis.statemachine import IllegalTransition
from chassis.store import change_id
from contracts import financial as fin_events

from . import picture, pipeline, rules, service, suitability
from .bootstrap import ports
from .financial_models import Opportunity

opportunities = ports.opportunities
products = ports.products
SUITABILITY_REFUSED = audit.SUITABILITY_REFUSED


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _event(o: Opportunity) -> Envelope:
    return fin_events.OPPORTUNITY_CHANGED.new(o.id, {
        "opportunity_id": o.id, "customer_id": o.customer_id, "manager_id": o.manager_id, "branch": o.branch,
        "source": o.source, "stage": o.stage, "product_code": o.product_code})


def as_dict(o: Opportunity) -> dict:
    return {"id": o.id, "version": o.version, "customer_id": o.customer_id, "manager_id": o.manager_id,
            "source": o.source, "source_ref": o.source_ref, "stage": o.stage, "product_code": o.product_code,
            "product_type": o.product_type, "proposed_at": o.proposed_at, "win_by": o.win_by,
            "decided_at": o.decided_at, "decline_reason": o.decline_reason, "won_holding_id": o.won_holding_id,
            "closed_at": o.closed_at, "expires_on": o.expires_on, "note": o.note, "created_at": o.created_at,
            "actions": pipeline.PIPELINE.allowed(o.stage)}


def _open(customer, source: str, source_ref: str | None, actor: Identity, today: date, *,
          opp_id: str | None = None, expires_on: str | None = None, note: str | None = None) -> Opportunity | None:
    doc = Opportunity(id=opp_id or str(uuid.uuid4()), customer_id=customer.id, manager_id=customer.manager_id,
                      branch=customer.branch, source=source, source_ref=source_ref, stage="identified",
                      expires_on=expires_on or pipeline.plus_days(today, pipeline.IDENTIFIED_DAYS), note=note)
    try:
        return opportunities.create(doc, actor, [_event(doc)], reason=f"opened from {source}")
    except AlreadyExists:
        return None   # the same event again: already open


# -- opened by a person ------------------------------------------------------------------------
def open_by_hand(data: dict, who: Identity, today: date) -> Opportunity:
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    customer = service.store.require(data["customer_id"], "customer")
    who.ensure_can_see(customer.manager_id, customer.branch)
    opp = _open(customer, data["source"], data.get("source_ref"), who, today, note=data.get("note"))
    assert opp is not None   # a random id never clashes
    return opp


# -- opened by events ---------------------------------------------------------------------------
def open_from_maturing(envelope: Envelope) -> Opportunity | None:
    """A time deposit matures: renew or reinvest it (open until a month after maturity)."""
    d = envelope.data
    customer = service.store.get(d["customer_id"])
    if customer is None:
        return None
    maturity = d["maturity_date"]
    oid = pipeline.opportunity_id("maturing_deposit", customer.id, d["account_ref"], maturity.isoformat())
    ref = picture.mask_refs({"account_ref": d["account_ref"]})["account_ref"]   # never the bank's own form
    return _open(customer, "maturing_deposit", ref, identity.system("customer"), clock.today(),
                 opp_id=oid, expires_on=pipeline.plus_days(maturity, 30))


def open_from_signal(envelope: Envelope) -> Opportunity | None:
    """A churn signal: a retention conversation is an opportunity of its own."""
    d = envelope.data
    customer = service.store.get(d["customer_id"])
    if customer is None:
        return None
    oid = pipeline.opportunity_id("churn_signal", customer.id, d["signal_key"])
    return _open(customer, "churn_signal", d["signal_key"], identity.system("customer"), clock.today(), opp_id=oid)


def open_from_attendance(envelope: Envelope) -> Opportunity | None:
    """engagement.invitation.attended: a customer who came to an activity is an opportunity
    (one per invitation, i.e. per customer and activity)."""
    d = envelope.data
    if not d.get("attended"):
        return None
    customer = service.store.get(d["customer_id"])
    if customer is None:
        return None
    oid = pipeline.opportunity_id("activity", d["invitation_id"])
    return _open(customer, "activity", d["activity_id"], identity.system("customer"), clock.today(), opp_id=oid)


def open_from_family(envelope: Envelope) -> Opportunity | None:
    """customer.customer.updated naming ``family``: the change record of that version says old →
    new; a new family member (more children, dependents, household) is a life event."""
    d = envelope.data
    if "family" not in (d.get("changed_fields") or ()) or not envelope.subject_version:
        return None
    record_id = change_id("customer", envelope.subject, envelope.subject_version)
    # Outbox first: a record moves to history before it leaves the outbox, so none is missed.
    record = (service.store.outbox.find_one({"_id": record_id}, {"diff": 1})
              or service.store.changes.find_one({"_id": record_id}, {"diff": 1}))
    change = next((c for c in (record or {}).get("diff") or () if c["field"] == "family"), None)
    if change is None or not pipeline.family_grew(change.get("old"), change.get("new")):
        return None
    customer = service.store.get(envelope.subject)
    if customer is None:
        return None
    oid = pipeline.opportunity_id("life_event", customer.id, "family", str(envelope.subject_version))
    return _open(customer, "life_event", "new_family_member", identity.system("customer"), clock.today(),
                 opp_id=oid)


def open_from_birthdays(today: date) -> int:
    """Worker job: a birthday in the last days that entered an age band of the branch's policy
    (18, 30, 40, 50, 60 by default: 60 → retirement planning) opens one opportunity per customer
    and age, whenever the job runs."""
    ranges = rules.birthday_ranges(today - timedelta(days=pipeline.BIRTHDAY_LOOKBACK_DAYS - 1), today) or []
    q = {"status": "active", "kind": "individual",
         "$or": [{"birth_mmdd": {"$gte": a, "$lte": b}} for a, b in ranges]}
    opened = 0
    for row in service.store.collection.find(q, {"birth_date": 1, "branch": 1}):
        _k, _v, policy = picture.cached_policy(row.get("branch"))
        entered = pipeline.age_band_entered(service.as_date(row.get("birth_date")), today, policy["age_bands"])
        if entered is None:
            continue
        age, theme, birthday = entered
        oid = pipeline.opportunity_id("life_event", row["_id"], f"age_{age}")
        if opportunities.get(oid) is not None:
            continue   # opened on an earlier round
        customer = service.store.get(row["_id"])
        if customer is not None and _open(customer, "life_event", f"age_{age}:{theme}", identity.system("customer"),
                                          today, opp_id=oid) is not None:
            opened += 1
    return opened


# -- moving through the stages -----------------------------------------------------------------
def visible(opp_id: str, who: Identity) -> Opportunity:
    o = opportunities.require(opp_id, "opportunity")
    who.ensure_can_see(o.manager_id, o.branch, what="opportunity")
    return o


def _step(o: Opportunity, action: str) -> str:
    try:
        return pipeline.PIPELINE.next(o.stage, action)
    except IllegalTransition as exc:
        raise conflict(str(exc), slug="illegal-transition", stage=o.stage) from None


def propose(opp_id: str, expected_version: int | None, product_code: str, who: Identity,
            today: date) -> Opportunity:
    """Proposed only when suitable; a refusal says why and is audited."""
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    o = visible(opp_id, who)
    target = _step(o, "propose")
    product = products.get(product_code)
    if product is None:
        raise invalid({"product_code": ["No such product in the catalogue."]})
    customer = service.store.require(o.customer_id, "customer")
    verdict = suitability.check({"code": product.id, "product_type": product.product_type,
                                 "risk_level": product.risk_level, "status": product.status},
                                customer.risk_level, service.as_date(customer.risk_valid_until), today)
    if not verdict.suitable:
        audit.record(SUITABILITY_REFUSED, customer.id, [product.id], resource="opportunity", resource_id=o.id,
                     branch=customer.branch, purpose=verdict.code)
        raise conflict(f"Not suitable: {verdict.reason}.", slug="unsuitable", suitability=verdict.code,
                       reason=verdict.reason, product_risk=product.risk_level, customer_level=customer.risk_level)
    _k, _v, policy = picture.policy_for(customer.branch)
    win_by = pipeline.plus_days(today, int(policy["win_window_days"]))

    def change(doc):
        doc.stage, doc.product_code, doc.product_type = target, product.id, product.product_type
        doc.proposed_at, doc.win_by, doc.expires_on = _now(), win_by, win_by
        return [_event(doc)]
    return opportunities.update(o.id, expected_version, change, who, reason=verdict.reason, current=o)


def decide(opp_id: str, expected_version: int | None, action: str, who: Identity,
           reason: str | None = None) -> Opportunity:
    """accept | decline (with a reason code) | lose."""
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    o = visible(opp_id, who)
    target = _step(o, action)

    def change(doc):
        doc.stage, doc.decided_at = target, _now()
        if action in ("decline", "lose"):
            doc.decline_reason, doc.closed_at = reason, _now()
        return [_event(doc)]
    return opportunities.update(o.id, expected_version, change, who, reason=reason or action, current=o)


def win_from_opened(envelope: Envelope) -> list[str]:
    """core.product.opened: every proposed or accepted opportunity of this customer for this
    product whose window holds the opening day is won (a redelivery finds them won)."""
    d = envelope.data
    opened_on = d["as_of"].isoformat()
    won = []
    for row in opportunities.collection.find({"customer_id": d["customer_id"],
                                              "stage": {"$in": ["proposed", "accepted"]}}):
        row["id"] = row["_id"]
        if not pipeline.wins(row, d["product_code"], opened_on):
            continue

        def change(doc):
            if not pipeline.wins({"stage": doc.stage, "product_code": doc.product_code,
                                  "proposed_at": doc.proposed_at, "win_by": doc.win_by}, d["product_code"], opened_on):
                return []
            doc.stage, doc.won_holding_id, doc.closed_at = "won", d["holding_id"], _now()
            return [_event(doc)]
        opportunities.update_with_retry(row["_id"], change, identity.system("customer"), reason=envelope.type)
        won.append(row["_id"])
    return won


def expire_due(today: date, limit: int = 500) -> int:
    """Worker job: open opportunities past their day are expired."""
    rows = list(opportunities.collection.find({"stage": {"$in": list(pipeline.OPEN)},
                                               "expires_on": {"$lt": today.isoformat()}}, {"_id": 1}).limit(limit))
    for row in rows:
        def change(doc):
            if doc.stage not in pipeline.OPEN or (doc.expires_on or "9999") >= today.isoformat():
                return []
            doc.stage, doc.closed_at = "expired", _now()
            return [_event(doc)]
        opportunities.update_with_retry(row["_id"], change, identity.system("customer"), reason="expired")
    return len(rows)
