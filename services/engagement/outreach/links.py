"""The customer's self-service link, engagement side: RSVP to an activity, unsubscribe.
The link is the credential (chassis.links); acting inserts its nonce once (single use)."""
from __future__ import annotations

from datetime import datetime

from chassis import links
from chassis.db import database
from chassis.errors import Problem, invalid
from chassis.store import is_duplicate

from .. import activities
from ..models import Activity, Invitation
from ..snapshots import CustomerSnapshot
from . import consent, keys, messages

CHANNEL_NAMES = {"sms": "短信", "email": "电子邮件", "wechat": "微信", "inapp": "手机银行消息"}


def refused(reason: str) -> Problem:
    if reason == "forged":
        return Problem(404, "link-invalid", "Link not valid", "This link is not valid.")
    return Problem(410, f"link-{reason}", "Link no longer valid",
                   "This link has expired." if reason == "expired" else "This link has already been used.")


def open_link(token: str, now: datetime, svc: str) -> links.Link:
    try:
        link = links.verify(keys.internal(), token, now)
    except links.LinkRefused as exc:
        raise refused(exc.reason) from None
    if link.svc != svc:
        raise refused("forged")
    if database()[links.USES].find_one({"_id": link.nonce}) is not None:
        raise refused("used")
    return link


def use(link: links.Link, now: datetime) -> None:
    try:
        database()[links.USES].insert_one({"_id": link.nonce, "kind": link.kind, "at": now})
    except Exception as exc:
        if is_duplicate(exc):
            raise refused("used") from None
        raise


def release(link: links.Link) -> None:
    database()[links.USES].delete_one({"_id": link.nonce})


def view(token: str, now: datetime) -> dict:
    link = open_link(token, now, "engagement")
    if link.kind == "rsvp":
        inv = Invitation.objects(id=link.subject).first()
        a = Activity.objects(id=inv.activity_id).first() if inv else None
        if a is None:
            raise refused("forged")
        return {"kind": "rsvp", "title": a.name, "starts_at": a.starts_at, "location": a.location,
                "choices": ["accept", "decline"]}
    if link.kind == "unsubscribe":
        return {"kind": "unsubscribe", "title": f"退订{CHANNEL_NAMES.get(link.subject, '')}关怀与营销消息",
                "choices": ["confirm"]}
    raise refused("forged")


def act(token: str, form: dict, now: datetime) -> dict:
    link = open_link(token, now, "engagement")
    if link.kind == "rsvp":
        answer = form.get("answer")
        if answer not in ("accept", "decline"):
            raise invalid({"answer": ["accept or decline"]})
        inv = Invitation.objects(id=link.subject).first()
        a = Activity.objects(id=inv.activity_id).first() if inv else None
        if a is None or inv is None or inv.customer_id != link.customer:
            raise refused("forged")
        use(link, now)
        try:
            inv = activities.rsvp(a, link.customer, answer, messages.SYSTEM)
        except Exception:
            release(link)    # nothing changed: the link may be used again
            raise
        return {"kind": "rsvp", "done": True, "status": inv.status}
    if link.kind == "unsubscribe":
        use(link, now)
        snap = CustomerSnapshot._get_collection().find_one({"_id": link.customer}) or {"_id": link.customer}
        snap["id"] = link.customer
        consent.opt_out(snap, link.subject, "link", "客户通过退订链接退订", messages.SYSTEM, now)
        return {"kind": "unsubscribe", "done": True, "status": "withdrawn"}
    raise refused("forged")
