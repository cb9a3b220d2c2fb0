"""Survey operations: templates, invitations (distribution and follow-ups), responses,
and each customer's latest satisfaction."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

from pymongo.errors import DuplicateKeyError

from chassis import identity
from chassis.errors import conflict, invalid, not_found
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity
from contracts import feedback as events

from . import policies, rules, snapshots
from .bootstrap import ports
from .models import CustomerSatisfaction, FollowUpSlot, Invitation, Response, SuppressedFollowUp, SurveyTemplate

log = logging.getLogger(__name__)
templates = ports.survey_templates
invitations = ports.survey_invitations
responses = ports.survey_responses
satisfaction = ports.satisfaction

DEFAULT_FOLLOWUP_QUESTIONS = [
    {"key": "satisfaction", "type": "rating", "text": "您对本次服务的满意程度？(1–5)", "required": True},
    {"key": "recommend", "type": "nps", "text": "您向亲友推荐我行的可能性有多大？(0–10)", "required": True},
    {"key": "comment", "type": "text", "text": "还有什么意见或建议？", "required": False},
]


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(dt):
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def followup_template(trigger: str, actor: Identity) -> SurveyTemplate:
    """The survey a trigger sends: the configured one, else the built-in follow-up (created once)."""
    tid = policies.followup()["triggers"].get(trigger) or policies.DEFAULT_FOLLOWUP_TEMPLATE
    t = templates.get(tid)
    if t is None and tid == policies.DEFAULT_FOLLOWUP_TEMPLATE:
        try:
            templates.create(SurveyTemplate(id=tid, name="回访满意度调查 (follow-up)",
                                            questions=DEFAULT_FOLLOWUP_QUESTIONS, created_by=actor.user_id),
                             actor, reason="built-in follow-up survey")
        except AlreadyExists:
            pass   # another worker made it first
        t = templates.get(tid)
    if t is None:
        raise LookupError(f"follow-up survey {tid} does not exist")
    return t


def follow_up(invitation_id: str, customer_id: str, context: dict, trigger: str, at: datetime,
              actor: Identity, manager_id: str | None = None) -> Invitation | None:
    """A follow-up survey invitation (回访) for a trigger event, within the frequency cap.

    ``invitation_id`` is derived from the trigger event's id, so a redelivered event finds
    its invitation (or its suppression) and creates nothing twice. ``at`` is the trigger's
    time, so a redelivery lands in the same cap window."""
    existing = invitations.get(invitation_id)
    if existing is not None:
        return existing
    if SuppressedFollowUp.objects(id=invitation_id).first() is not None:
        return None
    policy = policies.followup()
    if not policy["enabled"].get(trigger, True):
        return None
    snap = snapshots.get(customer_id)
    if snap is None and not manager_id:
        # the customer's snapshot has not arrived yet: let the consumer retry later
        raise LookupError(f"customer {customer_id} not known yet")
    if snap is not None and snap.status == "archived":
        return _suppress(invitation_id, customer_id, context, at, "customer archived")
    days, count = int(policy["cap_days"]), int(policy["cap_count"])
    recent = [_aware(i["created_at"]) for i in invitations.collection.find(
        {"customer_id": customer_id, "kind": "follow_up", "_id": {"$ne": invitation_id}}, {"created_at": 1})]
    taken = rules.cap_allows(recent, at, days, count) and _take_slot(customer_id, invitation_id, at, days, count)
    if not taken:
        return _suppress(invitation_id, customer_id, context, at, f"cap {count} per {days} days")
    template = followup_template(trigger, actor)
    inv = Invitation(id=invitation_id, survey_id=template.id, customer_id=customer_id,
                     manager_id=snap.manager_id if snap else manager_id, branch=snap.branch if snap else None,
                     tier=snap.tier if snap else None, kind="follow_up", context=context)
    try:
        return invitations.create(inv, actor, reason=f"follow-up after {trigger}")
    except AlreadyExists:
        return invitations.get(invitation_id)


def _suppress(invitation_id: str, customer_id: str, context: dict, at: datetime, reason: str) -> Invitation | None:
    """Record why no follow-up invitation was made; there is none to return."""
    try:
        SuppressedFollowUp._get_collection().insert_one({
            "_id": invitation_id, "customer_id": customer_id, "context": context, "reason": reason, "at": at})
    except DuplicateKeyError:
        pass  # recorded by an earlier delivery
    return None


def _take_slot(customer_id: str, invitation_id: str, at: datetime, days: int, count: int) -> bool:
    coll = FollowUpSlot._get_collection()
    for n in range(count):
        sid = rules.cap_slot(customer_id, at, days, count, n)
        try:
            coll.insert_one({"_id": sid, "customer_id": customer_id, "invitation_id": invitation_id,
                             "taken_at": at})
            return True
        except DuplicateKeyError:
            holder = coll.find_one({"_id": sid}, {"invitation_id": 1})
            if holder and holder.get("invitation_id") == invitation_id:
                return True  # our own slot, from an earlier delivery
    return False


def distribute(template: SurveyTemplate, distribution_id: str, customers: list, who: Identity):
    """Invite each snapshot in ``customers``; ids are <distribution>:<customer>, so a retried
    distribution creates nothing twice."""
    docs = [Invitation(id=f"{distribution_id}:{s.id}", survey_id=template.id, customer_id=s.id,
                       manager_id=s.manager_id, branch=s.branch, tier=s.tier, kind="distribution",
                       context={"type": "distribution", "id": distribution_id}) for s in customers]
    # engagement sends each invitation (with the customer's self-service link)
    created, errors = invitations.create_many(docs, who, lambda d: [events.SURVEY_INVITED.new(d.id, {
        "invitation_id": d.id, "survey_id": d.survey_id, "customer_id": d.customer_id,
        "manager_id": d.manager_id, "distribution_id": distribution_id})], reason="survey distribution")
    return created, errors


def respond(inv: Invitation, answers: dict, who: Identity, at: datetime | None = None) -> Response:
    at = at or now()
    template = templates.require(inv.survey_id, "survey")
    errors = rules.validate_answers(template.questions, answers)
    if errors:
        raise invalid(errors)
    head = rules.headline_scores(template.questions, answers)
    scores = {q["key"]: answers[q["key"]] for q in template.questions
              if q["type"] in ("rating", "nps") and answers.get(q["key"]) is not None}
    context = dict(inv.context or {}) or None
    r = Response(id=inv.id, invitation_id=inv.id, survey_id=inv.survey_id, customer_id=inv.customer_id,
                 manager_id=inv.manager_id, branch=inv.branch, tier=inv.tier, context=inv.context or {},
                 answers=answers, csat=head["csat"], nps=head["nps"], responded_at=at,
                 month=rules.period_of(at), recorded_by=who.user_id)
    ev = events.SURVEY_RESPONDED.new(inv.customer_id, {
        "response_id": r.id, "invitation_id": inv.id, "survey_id": inv.survey_id,
        "customer_id": inv.customer_id, "manager_id": inv.manager_id, "tier": inv.tier,
        "responded_at": at, "scores": scores, "csat": head["csat"], "nps": head["nps"], "context": context})
    try:
        responses.create(r, who, [ev], reason="survey answered")
    except AlreadyExists:
        raise conflict("This invitation has already been answered.", slug="already-answered") from None

    def mark(i: Invitation):
        i.status, i.response_id, i.responded_at = "responded", r.id, at
    invitations.update_with_retry(inv.id, mark, who, reason="survey answered")
    return r


def record_satisfaction(data: dict, actor: Identity) -> CustomerSatisfaction | None:
    """Keep the customer's latest satisfaction from a response event; order-safe (an older
    response never replaces a newer one) and idempotent (the same response changes nothing)."""
    level = rules.satisfaction_level(data.get("csat"), data.get("nps"))
    if level is None:
        return None
    cid = data["customer_id"]
    at = _aware(data["responded_at"])

    def fill(s: CustomerSatisfaction, previous: str | None):
        s.manager_id, s.level, s.csat, s.nps = data.get("manager_id"), level, data.get("csat"), data.get("nps")
        s.response_id, s.survey_id, s.measured_at = data["response_id"], data.get("survey_id"), at
        if level == previous:
            return []
        return [events.SATISFACTION_CHANGED.new(cid, {
            "customer_id": cid, "manager_id": s.manager_id, "level": level, "previous_level": previous,
            "csat": s.csat, "nps": s.nps, "response_id": s.response_id, "measured_at": at})]

    for _ in range(3):
        if satisfaction.get(cid) is None:
            doc = CustomerSatisfaction(id=cid)
            evs = fill(doc, None)
            try:
                return satisfaction.create(doc, actor, evs, reason="first survey answer")
            except AlreadyExists:
                continue  # created concurrently: update instead

        def change(s: CustomerSatisfaction):
            newer = s.measured_at is None or _aware(s.measured_at) < at
            if s.response_id == data["response_id"] or not newer:
                return []
            return fill(s, s.level)
        return satisfaction.update_with_retry(cid, change, actor, reason="survey answer")
    raise RuntimeError("could not record satisfaction")


def latest_satisfaction(customer_id: str) -> dict | None:
    s = satisfaction.get(customer_id)
    if s is None:
        return None
    return {"level": s.level, "csat": s.csat, "nps": s.nps, "survey_id": s.survey_id,
            "response_id": s.response_id, "measured_at": _aware(s.measured_at)}


def create_template(data: dict, who: Identity) -> SurveyTemplate:
    """A survey (问卷) made by a supervisor or admin."""
    who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
    data = dict(data)
    questions = [{k: v for k, v in q.items() if v is not None} for q in data.pop("questions")]
    t = SurveyTemplate(id=str(uuid.uuid4()), questions=questions, created_by=who.user_id, **data)
    return templates.create(t, who, reason="survey created")


def require_invitation(invitation_id: str, who: Identity) -> Invitation:
    inv = invitations.get(invitation_id)
    if inv is None:
        raise not_found("invitation")
    who.ensure_can_see(inv.manager_id, inv.branch, "invitation")
    return inv


FOLLOW_UP_WORKLIST_DAYS = 30


def follow_ups_open(manager_id: str, day) -> list[dict]:
    """The follow-up invitations (回访) of a manager's customers not answered yet, made in the
    30 days up to ``day``, oldest first: on the manager's worklist, so someone collects the
    answer. Invitations move with their customer (books.follow), so the current manager's."""
    end = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(days=1)
    rows = list(invitations.collection.find(
        {"manager_id": manager_id, "kind": "follow_up", "status": "invited",
         "created_at": {"$gte": end - timedelta(days=FOLLOW_UP_WORKLIST_DAYS + 1), "$lt": end}}).sort(
        [("created_at", 1), ("_id", 1)]).limit(200))
    names = {s["_id"]: s.get("name") for s in snapshots.CustomerSnapshot._get_collection().find(
        {"_id": {"$in": sorted({r["customer_id"] for r in rows})}}, {"name": 1})}
    return [{"invitation_id": r["_id"], "survey_id": r["survey_id"], "customer_id": r["customer_id"],
             "name": names.get(r["customer_id"]), "context": r.get("context") or None, "invited_at": r["created_at"]}
            for r in rows]
