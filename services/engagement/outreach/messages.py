"""Planning a message (consent, address, cap, quiet hours → queued or refused with a reason)
and recording what a channel answered (status events, the greeting once delivered)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chassis import identity, links
from chassis.config import env_required
from chassis.errors import Problem
from chassis.exceptions import AlreadyExists
from contracts import engagement as events

from .. import care
from ..bootstrap import ports
from . import consent, keys, rules, templates
from .contacts import addresses
from .models import Message

messages = ports.messages
cap_slots = ports.outreach_cap_slots
contacts = ports.contacts

SYSTEM = identity.system("engagement-outreach")
GREETING_KINDS = ("birthday", "anniversary", "holiday")
REASON_CODES = events.CAUSES


@dataclass
class Target:
    """Who a batch reaches and about what: one customer, one occasion."""
    customer: dict                  # the snapshot (id, name, manager_id, branch, preferred_channels)
    kind: str                       # birthday | anniversary | holiday | activity | survey | maturity
    occasion: str                   # the occasion key: birthday:2026, activity:<id>, survey:<invitation> ...
    label: str = ""                 # shown as {occasion}
    link: tuple[str, str, str] | None = None   # (kind, service, subject) of a self-service link


@dataclass
class Plan:
    customer_id: str
    channel: str | None
    send: bool
    reason: str | None
    not_before: datetime | None = None
    message_id: str | None = None


def message_id(occasion: str, customer_id: str, channel: str) -> str:
    return f"{occasion}:{customer_id}:{channel}"


def cap() -> tuple[int, int]:
    raw = env_required("CRM_OUTREACH_CAP")
    count, _, days = raw.partition("/")
    return int(count), int(days or 7)


def take_cap_slot(customer_id: str, mid: str, at: datetime) -> bool:
    """A cap slot is a unique insert, so two batches at once cannot both take the last one."""
    count, days = cap()
    for sid in rules.cap_slot_ids(customer_id, at, count, days):
        try:
            cap_slots.insert_one({"_id": sid, "customer_id": customer_id, "message_id": mid, "at": at})
            return True
        except Exception as exc:
            if not _dup(exc):
                raise
            holder = cap_slots.find_one({"_id": sid}) or {}
            if holder.get("message_id") == mid:
                return True
    return False


@dataclass
class Known:
    """What a batch needs to know about its customers, read in a few queries, not per customer:
    contact profiles (in parallel), messages already made, consents, cap slots taken."""
    profiles: dict[str, dict | None]
    messages: dict[str, str]          # message id -> status
    consents: dict[str, str]          # consent id -> status
    slots: set[str]


def _ids(coll, ids: list[str], projection: dict | None = None) -> list[dict]:
    out: list[dict] = []
    for i in range(0, len(ids), 500):
        out += list(coll.find({"_id": {"$in": ids[i:i + 500]}}, projection))
    return out


def _usable(t: Target, k_consents: dict[str, str], channel: str | None) -> tuple[list[str], str | None]:
    cid, purpose = t.customer["id"], templates.PURPOSE[t.kind]
    return rules.usable_channels(purpose, rules.channel_order(t.customer.get("preferred_channels"), channel),
                                 lambda ch: k_consents.get(consent.consent_id(cid, ch, purpose)))


def known(targets: list[Target], send_at: datetime, channel: str | None = None) -> Known:
    from concurrent.futures import ThreadPoolExecutor

    from .models import Consent
    cids = list(dict.fromkeys(t.customer["id"] for t in targets))
    conids = [consent.consent_id(c, ch, p) for c in cids for ch in rules.CHANNELS for p in rules.PURPOSES]
    consents = {d["_id"]: d["status"] for d in _ids(Consent._get_collection(), conids, {"status": 1})}
    # Contacts only for the customers some channel may reach: each read is an audited unmasked read.
    need = list(dict.fromkeys(t.customer["id"] for t in targets if _usable(t, consents, channel)[0]))
    with ThreadPoolExecutor(max_workers=8) as pool:
        profiles = dict(zip(need, pool.map(contacts.profile, need)))
    mids = [message_id(t.occasion, t.customer["id"], ch) for t in targets for ch in rules.CHANNELS]
    count, days = cap()
    sids = [sid for c in cids for sid in rules.cap_slot_ids(c, send_at, count, days)]
    return Known(profiles=profiles, consents=consents,
                 messages={d["_id"]: d["status"] for d in _ids(Message._get_collection(), mids, {"status": 1})},
                 slots={d["_id"] for d in _ids(cap_slots, sids, {"_id": 1})})


def _dup(exc: Exception) -> bool:
    from chassis.store import is_duplicate
    return is_duplicate(exc)


def link_url(kind: str, svc: str, subject: str, customer_id: str, now: datetime, extra: dict | None = None) -> str:
    ttl = int(env_required("CRM_LINK_TTL_DAYS"))
    token = links.issue(keys.internal(), kind=kind, svc=svc, subject=subject, customer=customer_id,
                        expires_at=now + timedelta(days=ttl), extra=extra)
    return f"{env_required('CRM_PUBLIC_URL').rstrip('/')}/s/{token}"


def plan(t: Target, purpose: str, send_at: datetime, who: identity.Identity, k: Known, *,
         channel: str | None = None, campaign_id: str | None = None, urgent: bool = False,
         dry_run: bool = False) -> Plan:
    c = t.customer
    cid = c["id"]
    usable, why = _usable(t, k.consents, channel)
    if not usable:
        return Plan(cid, channel, False, why)
    profile = k.profiles.get(cid)
    addrs = addresses(profile or {})
    chosen = rules.pick_channel(usable, addrs)
    if profile is None or chosen is None:
        return Plan(cid, channel or usable[0], False, rules.NO_ADDRESS)
    mid = message_id(t.occasion, cid, chosen)
    if any(k.messages.get(message_id(t.occasion, cid, ch)) not in (None, "failed", "bounced")
           for ch in rules.CHANNELS):
        return Plan(cid, chosen, False, "already_sent", message_id=mid)
    capped = rules.capped_purpose(purpose)
    count, days = cap()
    left = sum(1 for sid in rules.cap_slot_ids(cid, send_at, count, days) if sid not in k.slots)
    d = rules.decide(purpose=purpose, consent=k.consents.get(consent.consent_id(cid, chosen, purpose)),
                     address=addrs.get(chosen), at=send_at, urgent=urgent, cap_left=left if capped else None,
                     contact_times=profile.get("contact_times"))
    if not d.send:
        return Plan(cid, chosen, False, d.reason)
    tpl = templates.current(t.kind, chosen)
    variables = {"name": c.get("name") or "", "honorific": rules.honorific(profile.get("gender"), c.get("name")),
                 "occasion": t.label, "branch": profile.get("branch_name") or "我行",
                 "link": "", "unsubscribe": ""}
    if dry_run:
        return Plan(cid, chosen, True, d.reason, d.not_before, mid)
    if t.link:
        variables["link"] = link_url(t.link[0], t.link[1], t.link[2], cid, send_at)
    if purpose != "service":
        variables["unsubscribe"] = link_url("unsubscribe", "engagement", chosen, cid, send_at)
    rendered = templates.preview(tpl, variables)
    if rendered["problems"]:
        return Plan(cid, chosen, False, rules.TOO_LONG)
    if capped and not take_cap_slot(cid, mid, send_at):
        return Plan(cid, chosen, False, rules.CAPPED)
    m = Message(id=mid, customer_id=cid, manager_id=c.get("manager_id"), branch=c.get("branch") or None,
                channel=chosen, purpose=purpose, occasion=t.occasion, kind=t.kind, campaign_id=campaign_id,
                urgent=urgent, template_version=tpl.version, subject=rendered["subject"], body=rendered["body"],
                fields=rendered["fields"], variables={n: v for n, v in variables.items() if v},
                status="queued", reason=d.reason, not_before=d.not_before,
                address_hash=rules.address_hash(keys.internal(), chosen, addrs[chosen] or ""))
    try:
        messages.create(m, who, [status_event(m, send_at)], reason=f"outreach queued ({t.kind})")
    except AlreadyExists:
        return Plan(cid, chosen, False, "already_sent", message_id=mid)
    return Plan(cid, chosen, True, d.reason, d.not_before, mid)


def status_event(m: Message, at: datetime):
    reason = m.reason if m.reason in REASON_CODES else ("provider_error" if m.reason else None)
    return events.OUTREACH_MESSAGE.new(m.id, {
        "outreach_id": m.id, "customer_id": m.customer_id, "manager_id": m.manager_id, "channel": m.channel,
        "category": m.purpose, "kind": m.kind, "status": m.status, "cause": reason, "at": at})


def record(mid: str, status: str, at: datetime, *, reason: str | None = None, provider_id: str | None = None,
           attempts: int | None = None, not_before: datetime | None = None, receipts: bool = True) -> Message:
    """A channel's answer about a message; a later report never moves a final status back."""
    order = {"queued": 0, "uncertain": 1, "sent": 2, "failed": 3, "bounced": 3, "delivered": 4}

    def change(m: Message):
        if attempts is not None:
            m.attempts = max(m.attempts or 0, attempts)
        if status == "queued":       # a retry: back in the queue with the reason
            if m.status != "queued":
                return []
            m.reason, m.not_before = reason, not_before or m.not_before
            return [status_event(m, at)]
        if order.get(status, 0) < order.get(m.status, 0) or (status == m.status and m.status != "queued"):
            return []
        m.status, m.reason = status, reason
        if provider_id:
            m.provider_id = provider_id
        if status in ("sent", "delivered") and m.sent_at is None:
            m.sent_at = at
        if status == "delivered":
            m.delivered_at = at
        return [status_event(m, at)]
    m = messages.update_with_retry(mid, change, SYSTEM, reason=f"outreach {status}")
    if m.kind in GREETING_KINDS and (m.status == "delivered" or (m.status == "sent" and not receipts)):
        record_greeting(m)
    return m


def record_greeting(m: Message) -> None:
    """A greeting actually delivered is the greeting sent (once per occasion: care's unique id)."""
    from ..snapshots import CustomerSnapshot
    snap = CustomerSnapshot._get_collection().find_one({"_id": m.customer_id})
    occasion, _, year = m.occasion.rpartition(":")
    if snap is None or not year.isdigit():
        return
    snap["id"] = snap["_id"]
    channel = "mobile_banking" if m.channel == "inapp" else m.channel
    try:
        care.send(snap, {"occasion": occasion, "year": int(year), "channel": channel,
                         "note": f"outreach message {m.id}"}, SYSTEM)
    except Problem:
        pass   # already greeted (by hand, or an earlier report): once is the rule


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(dt: datetime | None) -> datetime:
    assert dt is not None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt
