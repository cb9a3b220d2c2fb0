"""Batch sends with a dry run: who will be reached, who will not, and why.

A campaign resolves its targets from what the caller may see, plans one message per
target (``messages.plan``) and reports the outcome per customer. Re-running a campaign is
harmless: each message's id is its occasion, customer and channel.
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime

from pymongo.errors import BulkWriteError

from chassis import clock
from chassis.errors import Problem, invalid, not_found
from chassis.filters import all_of
from chassis.identity import MANAGER, Identity

from .. import book, care, holidays, rules as care_rules
from ..bootstrap import ports
from ..models import Activity, Invitation, Reminder
from ..snapshots import CustomerSnapshot
from . import messages, templates
from .contacts import NotReachable
from .messages import Target
from .models import Campaign, Outcome, SurveyInvite

campaigns = ports.campaigns
KINDS = ("birthday", "holiday", "activity", "survey", "maturity")


def _snapshots(who: Identity, query: dict) -> list[dict]:
    rows = list(CustomerSnapshot._get_collection().find(all_of({"status": {"$ne": "archived"}}, query,
                                                              who.scope_filter())))
    for r in rows:
        r["id"] = r["_id"]
    return rows


def _date(raw) -> date:
    if raw in (None, ""):
        return clock.today()
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise invalid({"params": {"date": ["a date, YYYY-MM-DD"]}}) from None


def _text(params: dict, key: str) -> str | None:
    v = params.get(key)
    if v is not None and (not isinstance(v, str) or len(v) > 100):
        raise invalid({"params": {key: ["a string of at most 100 characters"]}})
    return v or None


SEGMENT_KEYS = ("tiers", "classes", "tags", "manager_ids")


def _segment(raw) -> dict:
    if raw in (None, {}):
        return {}
    ok = isinstance(raw, dict) and all(k in SEGMENT_KEYS and isinstance(v, list) and len(v) <= 200
                                       and all(isinstance(x, str) for x in v) for k, v in raw.items())
    if not ok:
        raise invalid({"params": {"segment": [f"an object of string lists: {', '.join(SEGMENT_KEYS)}"]}})
    return raw


def _year(raw) -> int:
    if raw in (None, ""):
        return clock.today().year
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1901 <= raw <= 2099:
        raise invalid({"params": {"year": ["a year, 1901–2099"]}})
    return raw


def targets(kind: str, params: dict, who: Identity) -> list[Target]:
    if kind == "birthday":
        manager_id = _text(params, "manager_id") or (who.user_id if who.role == MANAGER else None)
        if not manager_id:
            raise invalid({"params": {"manager_id": ["Missing data for required field."]}})
        who.ensure_can_see_manager(manager_id)
        day = _date(params.get("date"))
        customers = {c["id"]: c for c in book.customers_of([manager_id])}
        return [Target(customers[i["customer_id"]], i["kind"], f"{i['occasion']}:{i['year']}", i["label"].split(" ")[0])
                for i in care.due(list(customers.values()), day) if i["kind"] != "holiday"]
    if kind == "holiday":
        year = _year(params.get("year"))
        h = holidays.by_key(year, _text(params, "holiday") or "")
        if h is None:
            raise invalid({"holiday": ["not a holiday of the calendar (GET /api/v1/engagement/holidays)"]})
        seg = _segment(params.get("segment"))
        rows = _snapshots(who, {"manager_id": {"$in": seg["manager_ids"]}} if seg.get("manager_ids") else {})
        return [Target(s, "holiday", f"holiday_{h.key}:{year}", h.name) for s in rows
                if care_rules.in_segment(s, seg)]
    if kind == "activity":
        a = Activity.objects(id=_text(params, "activity_id") or "").first()
        # the activities rule: an activity belongs to its branch (bank-wide staff see all)
        if a is None or (not who.bank_wide and (a.branch or "") != who.branch):
            raise not_found("activity")
        invited = {r["customer_id"]: r["_id"] for r in Invitation._get_collection().find(
            {"activity_id": a.id, "status": "invited"}, {"customer_id": 1})}
        rows = _snapshots(who, {"_id": {"$in": list(invited)}})
        return [Target(s, "activity", f"activity:{a.id}", a.name, ("rsvp", "engagement", invited[s["id"]]))
                for s in rows]
    if kind == "survey":
        invites = {r["customer_id"]: r["_id"] for r in SurveyInvite._get_collection().find(
            {"distribution_id": _text(params, "distribution_id") or ""})}
        rows = _snapshots(who, {"_id": {"$in": list(invites)}})
        return [Target(s, "survey", f"survey:{invites[s['id']]}", "满意度调查",
                       ("survey", "feedback", invites[s["id"]])) for s in rows]
    if kind == "maturity":
        due = {r["customer_id"]: r["_id"] for r in Reminder._get_collection().find(
            {"kind": "deposit_maturing", "status": "open"}, {"customer_id": 1})}
        rows = _snapshots(who, {"_id": {"$in": list(due)}})
        return [Target(s, "maturity", f"maturity:{due[s['id']]}", "存款到期") for s in rows]
    raise invalid({"kind": [f"one of {', '.join(KINDS)}"]})


def _plans(kind: str, params: dict, data: dict, who: Identity, send_at: datetime, campaign_id: str | None):
    found = targets(kind, params, who)
    try:
        k = messages.known(found, send_at, data.get("channel"))
    except NotReachable:
        raise Problem(503, "upstream-unavailable", "Contacts unavailable",
                      "The customer service did not answer; try again.") from None
    return [messages.plan(t, templates.PURPOSE[t.kind], send_at, who, k, channel=data.get("channel"),
                          campaign_id=campaign_id, urgent=bool(data.get("urgent")), dry_run=campaign_id is None)
            for t in found]


def _summary(plans) -> dict:
    reached = [p for p in plans if p.send]
    return {"targets": len(plans), "reached": len(reached),
            "queued_for_later": sum(1 for p in reached if p.reason == "quiet_hours"),
            "refused": dict(Counter(p.reason or "unknown" for p in plans if not p.send))}


def _row(p) -> dict:
    return {"customer_id": p.customer_id, "channel": p.channel, "send": p.send, "reason": p.reason,
            "not_before": p.not_before, "message_id": p.message_id}


def run(data: dict, who: Identity, now: datetime) -> tuple[dict, int]:
    """A dry run is answered at once; a send is accepted (202) and planned by the worker."""
    kind, params = data["kind"], data.get("params") or {}
    send_at = data.get("send_at") or now
    if data.get("dry_run"):
        plans = _plans(kind, params, data, who, send_at, None)
        return {"campaign_id": None, "kind": kind, "dry_run": True, "status": "dry_run", **_summary(plans),
                "customers": [_row(p) for p in plans]}, 200
    n = len(targets(kind, params, who))        # the request's own checks: 404 / 422 before accepting
    c = Campaign(id=str(uuid.uuid4()), kind=kind, purpose=templates.PURPOSE[kind], params=params,
                 channel=data.get("channel"), urgent=bool(data.get("urgent")), branch=who.branch or None,
                 created_by=who.user_id, send_at=send_at, status="planning", targets=n,
                 requested_by={"user_id": who.user_id, "role": who.role, "branch": who.branch,
                               "team": list(who.team)})
    campaigns.create(c, who, reason=f"{kind} campaign")
    return view(c), 202


def view(c: Campaign, customers: bool = False) -> dict:
    rows = []
    if customers:
        rows = [{k: r.get(k) for k in ("customer_id", "channel", "send", "reason", "not_before", "message_id")}
                for r in Outcome._get_collection().find({"campaign_id": c.id}).limit(5000)]
    return {"campaign_id": c.id, "kind": c.kind, "dry_run": False, "status": c.status, "targets": c.targets,
            "reached": c.reached, "queued_for_later": c.queued_late, "refused": dict(c.refused or {}),
            "customers": rows}


def get(campaign_id: str, who: Identity) -> dict:
    c = campaigns.get(campaign_id)
    if c is None:
        raise not_found("campaign")
    who.ensure_can_see(c.created_by, c.branch, "campaign")
    return view(c, customers=True)


def plan_pending(now: datetime) -> int:
    """The worker's part: plan accepted campaigns. Planning twice is harmless (message ids,
    cap slots and outcomes are unique), so a campaign left half-planned by a crash is simply
    planned again."""
    done = 0
    for d in Campaign._get_collection().find({"status": "planning"}).limit(10):
        c = Campaign._from_son(d)
        who = Identity(**{**c.requested_by, "team": tuple(c.requested_by.get("team") or ())})
        try:
            plans = _plans(c.kind, dict(c.params or {}), {"channel": c.channel, "urgent": c.urgent}, who,
                           messages.aware(c.send_at), c.id)
        except Problem as p:
            if p.status == 503:
                continue          # contacts unavailable: the next round tries again
            plans = []            # the caller lost sight of the targets meanwhile: nothing to send
        rows = [{"_id": f"{c.id}:{p.customer_id}", "campaign_id": c.id, "at": now, **_row(p)} for p in plans]
        if rows:
            try:
                Outcome._get_collection().insert_many(rows, ordered=False)
            except BulkWriteError:
                pass              # outcomes of an earlier, interrupted round
        summary = _summary(plans)

        def change(x: Campaign, summary=summary):
            if x.status != "planning":
                return []
            x.status, x.targets, x.reached = "planned", summary["targets"], summary["reached"]
            x.refused, x.queued_late = summary["refused"], summary["queued_for_later"]
            return []
        campaigns.update_with_retry(c.id, change, messages.SYSTEM, reason="campaign planned")
        done += 1
    return done
