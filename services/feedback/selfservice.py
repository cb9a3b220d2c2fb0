"""A survey answered by the customer through their self-service link (no login).

The link (chassis.links) names the invitation; acting inserts its nonce once. The answer
goes through ``surveys.respond`` like a manager-recorded one, so the same event
(feedback.survey.responded) feeds satisfaction and engagement."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app

from chassis import links
from chassis.db import database
from chassis.errors import Problem
from chassis.exceptions import AlreadyExists
from chassis.identity import system
from chassis.store import is_duplicate

from . import surveys

CUSTOMER = system("feedback-self-service")


def refused(reason: str) -> Problem:
    if reason == "forged":
        return Problem(404, "link-invalid", "Link not valid", "This link is not valid.")
    return Problem(410, f"link-{reason}", "Link no longer valid",
                   "This link has expired." if reason == "expired" else "This link has already been used.")


def _open(token: str, now: datetime):
    try:
        link = links.verify(current_app.config["CRM_SETTINGS"].internal_secret, token, now)
    except links.LinkRefused as exc:
        raise refused(exc.reason) from None
    if link.svc != "feedback" or link.kind != "survey":
        raise refused("forged")
    inv = surveys.invitations.get(link.subject)
    if inv is None or inv.customer_id != link.customer:
        raise refused("forged")
    if inv.status == "responded" or database()[links.USES].find_one({"_id": link.nonce}):
        raise refused("used")
    return link, inv


def view(token: str, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    _, inv = _open(token, now)
    t = surveys.templates.require(inv.survey_id, "survey")
    return {"kind": "survey", "title": t.name,
            "questions": [{k: q.get(k) for k in ("key", "type", "text", "required", "options")} for q in t.questions]}


def answer(token: str, answers: dict, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    link, inv = _open(token, now)
    try:
        database()[links.USES].insert_one({"_id": link.nonce, "kind": link.kind, "at": now})
    except Exception as exc:
        if is_duplicate(exc):
            raise refused("used") from None
        raise
    try:
        r = surveys.respond(inv, answers, CUSTOMER, at=now)
    except Problem as p:
        database()[links.USES].delete_one({"_id": link.nonce})   # a wrong form changes nothing
        if p.status == 409:
            raise refused("used") from None
        raise
    except AlreadyExists:
        raise refused("used") from None
    return {"kind": "survey", "done": True, "status": "responded", "response_id": r.id}
