"""Client activities: invitations from the target segment, RSVP with seats, waitlist, evaluation."""
from __future__ import annotations

import uuid
from typing import Any

from chassis import clock, identity
from chassis.errors import Problem, conflict, invalid, not_found
from chassis.exceptions import DomainError
from chassis.filters import all_of
from contracts import engagement as events

from . import retention, rules, slots
from .bootstrap import ports
from .models import Activity, ActivityResponse, Invitation
from .snapshots import CustomerSnapshot

ORGANISERS = (identity.ADMIN, identity.SUPERVISOR)   # plan, close and evaluate activities

activities = ports.activities
invitations = ports.activity_invitations


def plan(data: dict, who: identity.Identity) -> Activity:
    """A client activity for the organiser's branch, planned (invite its segment next)."""
    who.ensure_role(*ORGANISERS)
    aid = str(uuid.uuid4())
    a = Activity(id=aid, branch=who.branch or None, organiser_id=who.user_id, status="planned",
                 **{**data, "starts_at": clock.utc(data["starts_at"])})
    return activities.create(a, who, [events.ACTIVITY_PLANNED.new(aid, _activity_data(a))])


EDITABLE = ("name", "type", "starts_at", "location", "capacity", "budget_cents", "cost_per_head_cents", "segment")


def _activity_data(a: Activity) -> dict:
    return {"activity_id": a.id, "name": a.name, "type": a.type, "starts_at": a.starts_at,
            "capacity": a.capacity, "status": a.status}


def _invited(activity_id: str) -> int:
    return Invitation._get_collection().count_documents({"activity_id": activity_id})


def edit(activity: Activity, expected_version: int | None, data: dict, reason: str, who: identity.Identity) -> Activity:
    """Change a planned activity (organisers): what, when, where, capacity, budget, segment.
    The invitees are told through ``engagement.activity.changed`` (which fields changed)."""
    who.ensure_role(*ORGANISERS)
    if activity.status != "planned":
        raise conflict(f"The activity is {activity.status}; it can no longer be changed.", slug="activity-closed")
    wanted: dict[str, Any] = {k: (clock.utc(v) if k == "starts_at" else v) for k, v in data.items()
                              if k in EDITABLE}
    after: dict[str, int] = {k: int(wanted.get(k, getattr(activity, k)) or 0)
                             for k in ("capacity", "cost_per_head_cents", "budget_cents")}
    if not rules.activity_budget_ok(after["capacity"], after["cost_per_head_cents"], after["budget_cents"]):
        raise invalid({"budget_cents": ["capacity × cost per head exceeds the budget"]})
    if "capacity" in wanted and after["capacity"] < slots.seats_needed(activity.id):
        raise conflict("Seats up to a higher number are already taken; decline answers first.",
                       slug="capacity-below-seats")

    def change(a: Activity):
        if a.status != "planned":
            raise conflict(f"The activity is {a.status}; it can no longer be changed.", slug="activity-closed")
        changed = [k for k in EDITABLE if k in wanted and _stored(getattr(a, k)) != _stored(wanted[k])]
        for k in changed:
            setattr(a, k, wanted[k])
        if not changed:
            return []
        return [events.ACTIVITY_CHANGED.new(a.id, {**_activity_data(a), "changed_fields": changed,
                                                   "invited": _invited(a.id)})]
    grew = "capacity" in wanted and after["capacity"] > (activity.capacity or 0)
    a = activities.update(activity.id, expected_version, change, who, current=activity, reason=reason)
    if grew:
        promote_waitlist(a)   # the new seats go to the longest-waiting customers
    return a


def _stored(v):
    """Compare times as stored (UTC, to the millisecond) and segments as plain dicts."""
    if hasattr(v, "astimezone"):
        return clock.utc(v).replace(microsecond=v.microsecond // 1000 * 1000)
    return dict(v) if isinstance(v, dict) else v


def cancel(activity: Activity, expected_version: int | None, reason: str, who: identity.Identity) -> Activity:
    """planned → cancelled (organisers): answers and attendance close, and the invitees are
    told through ``engagement.activity.cancelled``. The reason stays here."""
    who.ensure_role(*ORGANISERS)

    def change(a: Activity):
        if a.status != "planned":
            raise conflict(f"The activity is {a.status}; only a planned activity can be cancelled.",
                           slug="illegal-transition")
        a.status, a.cancel_reason, a.cancelled_at = "cancelled", reason, clock.now()
        return [events.ACTIVITY_CANCELLED.new(a.id, {**_activity_data(a), "invited": _invited(a.id)})]
    return activities.update(activity.id, expected_version, change, who, current=activity, reason=reason)


def invitation_id(activity_id: str, customer_id: str) -> str:
    return f"{activity_id}:{customer_id}"


def inv_data(inv: Invitation) -> dict:
    return {"invitation_id": inv.id, "activity_id": inv.activity_id, "customer_id": inv.customer_id,
            "manager_id": inv.manager_id, "status": inv.status, "attended": bool(inv.attended)}


def segment_customers(activity: Activity, who: identity.Identity) -> list[dict]:
    """Resolve the target segment from the snapshots the caller may see."""
    query: dict = {"status": {"$ne": "archived"}, **who.scope_filter()}
    seg = activity.segment or {}
    if seg.get("manager_ids"):
        query.setdefault("$and", []).append({"manager_id": {"$in": seg["manager_ids"]}})
    return [s for s in CustomerSnapshot._get_collection().find(query) if rules.in_segment(s, seg)]


def invite(activity: Activity, who) -> dict:
    if activity.status != "planned":
        raise conflict(f"The activity is {activity.status}; invitations are closed.", slug="activity-closed")
    targets = segment_customers(activity, who)
    docs = [Invitation(id=invitation_id(activity.id, s["_id"]), activity_id=activity.id, customer_id=s["_id"],
                       manager_id=s.get("manager_id")) for s in targets]
    created, errors = invitations.create_many(
        docs, who, lambda d: [events.INVITATION_SENT.new(d.id, inv_data(d))])
    return {"segment_size": len(targets), "invited": len(created), "already_invited": len(errors)}


def rsvp(activity: Activity, customer_id: str, answer: str, who) -> Invitation:
    inv = invitations.get(invitation_id(activity.id, customer_id))
    if inv is None:
        raise not_found("invitation")
    if activity.status != "planned":
        raise conflict(f"The activity is {activity.status}; answers are closed.", slug="activity-closed")
    if answer == "accept":
        if inv.status in ("accepted", "waitlisted"):
            return inv  # the same answer twice changes nothing
        seat = slots.claim_seat(activity.id, activity.capacity, inv.id)
        try:
            return _answer(inv, "accepted" if seat is not None else "waitlisted", seat, who)
        except Exception:
            if seat is not None:
                slots.release_seat(activity.id, seat, inv.id)
            raise
    if inv.status == "declined":
        return inv
    inv = _answer(inv, "declined", None, who)
    seat = slots.seat_of(activity.id, inv.id)
    if seat is not None:
        slots.release_seat(activity.id, seat, inv.id)
        promote_waitlist(activity)
    return inv


def _answer(inv: Invitation, status: str, seat: int | None, who) -> Invitation:
    now = clock.now()

    def change(d: Invitation):
        d.status, d.seat_no, d.responded_at = status, seat, now
        d.waitlisted_at = now if status == "waitlisted" else None
        return [events.INVITATION_ANSWERED.new(d.id, inv_data(d))]
    return invitations.update(inv.id, inv.version, change, who, current=inv)


def promote_waitlist(activity: Activity) -> int:
    """Give freed seats to the longest-waiting customers; returns how many moved up."""
    moved = 0
    system = identity.system("engagement")
    for row in Invitation._get_collection().find({"activity_id": activity.id, "status": "waitlisted"}).sort(
            [("waitlisted_at", 1), ("_id", 1)]):
        seat = slots.claim_seat(activity.id, activity.capacity, row["_id"])
        if seat is None:
            break
        try:
            def change(d: Invitation, seat=seat):
                if d.status != "waitlisted":
                    return []
                d.status, d.seat_no = "accepted", seat
                return [events.INVITATION_ANSWERED.new(d.id, inv_data(d))]
            d = invitations.update_with_retry(row["_id"], change, system)
            if d.status != "accepted" or d.seat_no != seat:
                slots.release_seat(activity.id, seat, row["_id"])
            else:
                moved += 1
        except (Problem, DomainError):
            slots.release_seat(activity.id, seat, row["_id"])
    return moved


def mark_attendance(activity: Activity, customer_ids: list[str], who) -> dict:
    if activity.status not in ("planned", "held"):
        raise conflict(f"The activity is {activity.status}.", slug="activity-closed")
    marked, refused = [], {}
    visible = {s["_id"] for s in CustomerSnapshot._get_collection().find(
        all_of({"_id": {"$in": list(customer_ids)}}, who.scope_filter()), {"_id": 1})}
    for cid in dict.fromkeys(customer_ids):
        inv = invitations.get(invitation_id(activity.id, cid))
        # Someone else's customer gets the same answer as no invitation: nothing to learn.
        if cid not in visible or inv is None or inv.status != "accepted":
            refused[cid] = "not an accepted invitation"
            continue
        if not inv.attended:
            def change(d: Invitation):
                d.attended = True
                return [events.INVITATION_ATTENDED.new(d.id, inv_data(d))]
            invitations.update_with_retry(inv.id, change, who)
        marked.append(cid)
    # Only an organiser closes the activity for everyone; a manager marking their own
    # customers does not end it for the other managers' customers.
    if activity.status == "planned" and marked and who.role in ORGANISERS:
        activities.update_with_retry(activity.id, lambda a: setattr(a, "status", "held"), who)
    return {"marked": marked, "refused": refused}


def figures(activity_id: str) -> dict:
    coll = Invitation._get_collection()
    counts = {"invited": 0, "accepted": 0, "waitlisted": 0, "declined": 0, "attended": 0}
    attendees = []
    for r in coll.find({"activity_id": activity_id}, {"status": 1, "attended": 1, "customer_id": 1}):
        # "invited" counts every invitation; an unanswered one (status "invited") only there.
        counts["invited"] += 1
        if r["status"] in ("accepted", "waitlisted", "declined"):
            counts[r["status"]] += 1
        if r.get("attended"):
            counts["attended"] += 1
            attendees.append(r["customer_id"])
    scores = [r["score"] for r in ActivityResponse._get_collection().find({"activity_id": activity_id}, {"score": 1})
              if r.get("score") is not None]
    return {**counts, "attendance_rate": rules.ratio(counts["attended"], counts["accepted"]),
            "satisfaction": round(sum(scores) / len(scores), 2) if scores else None, "responses": len(scores),
            # effect: products the attendees opened within the branch's window after it
            **retention.products_after(activity_id, attendees)}


def evaluate(activity: Activity, data: dict, who) -> Activity:
    if activity.status not in ("held", "evaluated"):
        raise conflict(f"Only a held activity can be evaluated; this one is {activity.status}.",
                       slug="illegal-transition")
    f = figures(activity.id)

    def change(a: Activity):
        a.status = "evaluated"
        a.follow_up_actions = data.get("follow_up_actions", a.follow_up_actions)
        a.evaluation_notes = data.get("notes", a.evaluation_notes)
        return [events.ACTIVITY_EVALUATED.new(a.id, {
            "activity_id": a.id, "invited": f["invited"], "accepted": f["accepted"], "attended": f["attended"],
            "attendance_rate": f["attendance_rate"], "satisfaction": f["satisfaction"]})]
    return activities.update(activity.id, activity.version, change, who, current=activity)


def record_response(envelope) -> bool:
    """feedback.survey.responded about an activity → its satisfaction; once per response id."""
    from datetime import datetime, timezone

    from pymongo.errors import DuplicateKeyError
    data = envelope.data
    ctx = data.get("context") or {}
    if ctx.get("type") != "activity" or not ctx.get("id"):
        return False  # surveys about visits or complaints are not ours to count
    try:
        ActivityResponse._get_collection().insert_one({
            "_id": data["response_id"], "activity_id": ctx["id"], "customer_id": data.get("customer_id"),
            "score": data.get("csat"), "received_at": datetime.now(timezone.utc)})
        return True
    except DuplicateKeyError:
        return False
