"""The dispatcher (run by the worker): sends queued messages that are due, with retries and
backoff, never twice.

Never twice: before a channel is called, the attempt is claimed by inserting
``<message>:<attempt>`` into ``outreach_claims`` (a unique insert: atomic on FerretDB and
MongoDB, unlike updates). Two workers, or a redelivered round, cannot send one attempt twice;
a new attempt is only made after the last one's answer was recorded.

Nothing lost: a message stays ``queued`` until an answer is recorded. If a process dies
between claiming and recording, ``recover`` finds the claim after ``GRACE`` and asks the
channel whether it took the message (SMS: QuerySendDetails by OutId; in-app: the inbox).
Accepted: the answer is recorded, nothing is sent again. Not accepted: the attempt is
given up and the next one sends. A channel that cannot be asked (SMTP, WeChat) marks the
message ``uncertain`` for a person to look at rather than risk a second message.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from chassis.store import is_duplicate

from ..bootstrap import ports
from . import consent, messages, rules
from .channels import Outgoing, Result
from .contacts import NotReachable, addresses
from .models import Message

log = logging.getLogger(__name__)
claims = ports.outreach_claims
channels = ports.channels
GRACE = timedelta(seconds=20)


def due_ids(now: datetime, limit: int = 100) -> list[str]:
    return [d["_id"] for d in Message._get_collection().find(
        {"status": "queued", "not_before": {"$lte": now}}, {"_id": 1})
        .sort([("not_before", 1), ("_id", 1)]).limit(limit)]


def run(now: datetime, limit: int = 100, recover_now: bool = True) -> dict:
    """One round: recover interrupted attempts, then send what is due."""
    done = {"recovered": recover(now) if recover_now else 0, "sent": 0, "failed": 0, "retrying": 0, "skipped": 0}
    for mid in due_ids(now, limit):
        outcome = send_one(mid, now)
        done[outcome] = done.get(outcome, 0) + 1
    return done


def _outgoing(m: Message, address: str) -> Outgoing:
    return Outgoing(message_id=m.id, channel=m.channel, address=address, body=m.body or "", subject=m.subject,
                    fields=dict(m.fields or {}), provider_template=_provider_template(m),
                    variables=dict(m.variables or {}), unsubscribe_url=(m.variables or {}).get("unsubscribe"))


def _provider_template(m: Message) -> str | None:
    from . import templates
    return templates.current(m.kind, m.channel).provider_template


def send_one(mid: str, now: datetime) -> str:
    m = messages.messages.get(mid)
    if m is None or m.status != "queued" or messages.aware(m.not_before) > now:
        return "skipped"
    attempt = (m.attempts or 0) + 1
    try:
        claims.insert_one({"_id": f"{mid}:{attempt}", "message_id": mid, "attempt": attempt, "at": now,
                           "worker": os.getpid()})
    except Exception as exc:
        if is_duplicate(exc):
            return "skipped"    # another worker has this attempt
        raise
    result = _attempt(m, now)
    _settle(m, attempt, result, now)
    return "sent" if result.status in ("sent", "delivered") else ("retrying" if result.retry else "failed")


def _attempt(m: Message, now: datetime) -> Result:
    # An opt-out since the message was queued is effective for this send.
    ok, reason = rules.consent_allows(m.purpose, consent.status(m.customer_id, m.channel, m.purpose))
    if not ok:
        return Result("failed", reason=reason)
    try:
        profile = messages.contacts.profile(m.customer_id)
    except NotReachable:
        return Result("failed", reason="contacts unavailable", retry=True)
    address = addresses(profile or {}).get(m.channel)
    if not address:
        return Result("failed", reason=rules.NO_ADDRESS)
    return channels.get(m.channel).send(_outgoing(m, address))


def _settle(m: Message, attempt: int, result: Result, now: datetime) -> None:
    receipts = channels.get(m.channel).receipts
    if result.retry and attempt < rules.MAX_ATTEMPTS:
        messages.record(m.id, "queued", now, reason="retrying", attempts=attempt,
                        not_before=now + rules.backoff(attempt))
    else:
        messages.record(m.id, result.status, now, reason=result.reason, provider_id=result.provider_id,
                        attempts=attempt, receipts=receipts)
    claims.replace_one({"_id": f"{m.id}:{attempt}"}, {"_id": f"{m.id}:{attempt}", "message_id": m.id,
                                                       "attempt": attempt, "at": now, "result": result.status})


def recover(now: datetime, grace: timedelta = GRACE) -> int:
    """Settle attempts whose process died between the claim and the answer."""
    n = 0
    for c in claims.find({"result": {"$exists": False}, "at": {"$lt": now - grace}}):
        m = messages.messages.get(c["message_id"])
        if m is None or (m.attempts or 0) >= c["attempt"] or m.status != "queued":
            claims.replace_one({"_id": c["_id"]}, {**c, "result": "recorded"})
            continue
        channel = channels.get(m.channel)
        try:
            profile = messages.contacts.profile(m.customer_id)
            address = addresses(profile or {}).get(m.channel)
            found = channel.lookup(_outgoing(m, address), messages.aware(c["at"])) if address else None
        except (NotReachable, ConnectionError):
            continue     # ask again next round
        if found is not None:
            _settle(m, c["attempt"], found, now)
        elif m.channel in ("sms", "inapp"):
            # The provider never took it: give this attempt up, the next one sends.
            messages.record(m.id, "queued", now, reason="interrupted", attempts=c["attempt"], not_before=now)
            claims.replace_one({"_id": c["_id"]}, {**c, "result": "not accepted"})
        else:
            messages.record(m.id, "uncertain", now, reason="interrupted", attempts=c["attempt"])
            claims.replace_one({"_id": c["_id"]}, {**c, "result": "uncertain"})
        n += 1
    if n:
        log.warning("settled interrupted outreach attempts", extra={"count": n})
    return n


_last_recover: list[datetime] = []


def tick() -> dict:
    """The worker's periodic job: plan accepted campaigns, then a dispatch round, on the real clock.
    Interrupted attempts are looked for every GRACE / 2 only: a claim is not stale before GRACE,
    and each look scans the claims (FerretDB's SQLite backend scans whatever is not by _id)."""
    from . import campaigns
    now = messages.now()
    done = {"campaigns": campaigns.plan_pending(now)}
    look = not _last_recover or now - _last_recover[0] >= GRACE / 2
    if look:
        _last_recover[:] = [now]
    return {**done, **run(now, recover_now=look)}
