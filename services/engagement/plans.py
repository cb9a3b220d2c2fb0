"""Maintenance plans (维护方案): draft, approve, close with an evaluation, revise — the use cases.

A plan moves through ``plan_rules.PLANS``. Every change is a versioned change record with
who and why (``reason``); the plan's own ``revision`` counts the versions that ran a period,
and ``revisions`` says what each one changed. Approval and revision publish the event the
engagement worker turns into the period's tasks (``plan_tasks.generate``).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import current_app

from chassis import clock, identity
from chassis.config import VARIABLES
from chassis.errors import conflict, invalid, not_found
from chassis.events import Envelope
from chassis.exceptions import AlreadyExists, StaleVersion
from chassis.identity import Identity
from chassis.statemachine import IllegalTransition
from contracts import engagement as events

from . import plan_reads, plan_rules as rules, scope
from .bootstrap import ports
from .plan_models import Plan, PlanEvaluation

store = ports.plans
evaluations = ports.plan_evaluations
SYSTEM = identity.system("engagement")
APPROVERS = (identity.SUPERVISOR, identity.ADMIN)


def visible(plan_id: str, who: Identity) -> Plan:
    """The plan, when the caller sees its owner (own, team, branch); 404 otherwise."""
    p = store.get(plan_id)
    if p is None or not who.can_see(p.manager_id, p.branch):
        raise not_found("plan")
    return p


def period(p: Plan) -> rules.Period:
    return rules.period_of(p.period_kind, _day(p.period_start))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def history(plan: Plan, limit: int = 100) -> list[dict[str, Any]]:
    """The plan's change records, newest first (who, when, why, which fields): the store's
    history query, which the ``by_aggregate`` indexes on ``changes`` and ``outbox`` serve."""
    return store.history(plan.id, limit=limit)


# --- 制定: draft and edit ------------------------------------------------------------------
def _scope(raw: dict[str, Any], who: Identity) -> dict[str, Any]:
    """The segment, inside the caller's reach: a manager plans their own book, a supervisor
    their team's (default: the whole team), an admin their branch (default: all of it)."""
    out = {k: sorted(set(raw.get(k) or [])) for k in ("tiers", "classes", "tags", "manager_ids", "customer_ids")}
    if not out["manager_ids"]:
        if who.role == identity.MANAGER:
            out["manager_ids"] = [who.user_id]
        elif who.role == identity.SUPERVISOR:
            out["manager_ids"] = sorted(who.team)
    for m in out["manager_ids"]:
        who.ensure_can_see_manager(m)
    for cid in out["customer_ids"]:
        scope.customer(cid)     # a key customer the caller does not see does not exist (404)
    return out


def max_customers() -> int:
    """CRM_PLAN_MAX_CUSTOMERS: a plan makes tasks per customer, so its size bounds the work
    one approval starts (and the evaluation's reads)."""
    try:
        raw = current_app.config["CRM_SETTINGS"].get("CRM_PLAN_MAX_CUSTOMERS")
    except RuntimeError:    # no app (a use case run on its own)
        raw = None
    return int(raw or VARIABLES["CRM_PLAN_MAX_CUSTOMERS"][0] or 5000)


def _within_size(scope_: dict[str, Any], branch: str | None) -> None:
    """A plan covering more customers than the limit is refused (422), before anything runs."""
    limit = max_customers()
    n = ports.plan_books.count(scope_, branch)
    if n > limit:
        raise invalid({"scope": [f"The plan covers {n} customers; at most {limit} (CRM_PLAN_MAX_CUSTOMERS). "
                                 "Narrow it by tier, class, tag or manager."]})


def _goals(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    goals = [{"key": g.get("key") or g["type"], "type": g["type"], "target": float(g["target"])} for g in raw]
    keys = [g["key"] for g in goals]
    if len(set(keys)) != len(keys):
        raise invalid({"goals": ["Each goal needs its own key."]})
    for i, g in enumerate(goals):
        maximum = rules.GOAL_TYPES[g["type"]].maximum
        if maximum is not None and g["target"] > maximum:
            raise invalid({"goals": {str(i): {"target": [f"At most {maximum:g} for {g['type']}."]}}})
    return goals


def _actions(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = [a["kind"] for a in raw]
    if len(set(kinds)) != len(kinds):
        raise invalid({"actions": ["One action per kind."]})
    return sorted(({"kind": a["kind"], "per_customer": int(a["per_customer"])} for a in raw),
                  key=lambda a: rules.ACTION_KINDS.index(a["kind"]))


def _period_fields(kind: str, start: date) -> dict[str, Any]:
    p = rules.period_of(kind, start)
    return {"period_kind": kind, "period_key": p.key, "period_start": p.start, "period_end": p.end}


def create(data: dict[str, Any], who: Identity) -> Plan:
    scope_ = _scope(data.get("scope") or {}, who)
    _within_size(scope_, who.branch or None)
    plan = Plan(id=str(uuid.uuid4()), name=data["name"], branch=who.branch or None, manager_id=who.user_id,
                scope=scope_, goals=_goals(data["goals"]),
                actions=_actions(data.get("actions") or []),
                thresholds={**rules.DEFAULT_THRESHOLDS, **(data.get("thresholds") or {})},
                status=rules.DRAFT, revision=1, **_period_fields(data["period_kind"], data["period_start"]))
    plan.revisions = [{"revision": 1, "period_key": plan.period_key, "by": who.user_id, "at": clock.now(),
                       "reason": data.get("reason") or "drafted", "changes": []}]
    return store.create(plan, who, reason=data.get("reason") or "drafted")


EDITABLE = ("name", "scope", "goals", "actions", "thresholds", "period_kind", "period_start")


def edit(plan_id: str, expected_version: int | None, data: dict[str, Any], who: Identity) -> Plan:
    current = visible(plan_id, who)

    def change(p: Plan) -> None:
        _step(p, "edit")
        if "name" in data:
            p.name = data["name"]
        if "scope" in data:
            p.scope = _scope(data["scope"], who)
            _within_size(p.scope, p.branch)
        if "goals" in data:
            p.goals = _goals(data["goals"])
        if "actions" in data:
            p.actions = _actions(data["actions"])
        if "thresholds" in data:
            p.thresholds = {**rules.DEFAULT_THRESHOLDS, **data["thresholds"]}
        if "period_kind" in data or "period_start" in data:
            for k, v in _period_fields(data.get("period_kind", p.period_kind),
                                       data.get("period_start", _day(p.period_start))).items():
                setattr(p, k, v)
            p.revisions[-1]["period_key"] = p.period_key
    return store.update(plan_id, expected_version, change, who, current=current, reason=data["reason"])


# --- 审批: submit, approve, reject ----------------------------------------------------------
def _data(p: Plan) -> dict[str, Any]:
    return {"plan_id": p.id, "manager_id": p.manager_id, "branch": p.branch, "revision": p.revision,
            "status": p.status, "period_kind": p.period_kind, "period_key": p.period_key,
            "period_start": _day(p.period_start), "period_end": _day(p.period_end), "approved_by": p.approved_by}


def _step(p: Plan, action: str) -> None:
    try:
        p.status = rules.PLANS.next(p.status, action)
    except IllegalTransition as exc:
        raise conflict(str(exc), slug="illegal-transition", state=exc.state, action=action,
                       allowed=rules.PLANS.allowed(exc.state)) from None


def _act(plan_id: str, expected_version: int | None, action: str, who: Identity, reason: str | None,
         apply: Callable[[Plan], list[Envelope] | None] = lambda p: None) -> Plan:
    current = visible(plan_id, who)

    def change(p: Plan) -> list[Envelope] | None:
        _step(p, action)
        return apply(p)
    return store.update(plan_id, expected_version, change, who, current=current, reason=reason or action)


def submit(plan_id: str, expected_version: int | None, reason: str | None, who: Identity) -> Plan:
    def apply(p: Plan) -> None:
        p.submitted_by = who.user_id
    return _act(plan_id, expected_version, "submit", who, reason, apply)


def approve(plan_id: str, expected_version: int | None, reason: str | None, who: Identity) -> Plan:
    who.ensure_role(*APPROVERS)

    def apply(p: Plan) -> list[Envelope]:
        if not p.goals:
            raise invalid({"goals": ["A plan needs at least one measurable goal to run."]})
        _within_size(p.scope or {}, p.branch)     # books may have grown since it was drafted
        p.approved_by, p.running_since = who.user_id, clock.now()
        return [events.PLAN_APPROVED.new(p.id, _data(p))]
    return _act(plan_id, expected_version, "approve", who, reason, apply)


def reject(plan_id: str, expected_version: int | None, reason: str, who: Identity) -> Plan:
    who.ensure_role(*APPROVERS)
    return _act(plan_id, expected_version, "reject", who, reason)


# --- 评估: close a period with its evaluation ----------------------------------------------
def close(plan_id: str, expected_version: int | None, as_of: date | None, who: Identity,
          current: Plan | None = None) -> PlanEvaluation:
    """Evaluate the plan's period and close it. ``as_of`` (default today, never in the
    future) must be after the period's last day. Idempotent: an evaluation already made for
    the period (by the job, or a retry) is the answer."""
    if who.role != identity.SYSTEM:
        who.ensure_role(*APPROVERS)
    plan = current or visible(plan_id, who)
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise invalid({"as_of": ["A period cannot be closed as of a day that has not come."]})
    p = period(plan)
    eval_id = f"{plan.id}:{plan.period_key}"
    if plan.status == rules.APPROVED:
        if as_of < p.end:
            raise conflict(f"The period {p.key} runs until {p.last_day.isoformat()}.", slug="period-not-over",
                           period_end=p.end.isoformat())
        if expected_version is not None and plan.version != expected_version:
            raise StaleVersion(current_version=plan.version)
        figures = plan_reads.evaluation(plan, p, as_of)
        ev = PlanEvaluation(id=eval_id, plan_id=plan.id, manager_id=plan.manager_id, branch=plan.branch,
                            revision=plan.revision, period_key=p.key, period_start=p.start, period_end=p.end,
                            as_of=as_of, evaluated_by=who.user_id, **figures)
        try:
            evaluations.create(ev, who, [events.PLAN_EVALUATED.new(ev.id, {
                "plan_id": plan.id, "manager_id": plan.manager_id, "branch": plan.branch,
                "revision": plan.revision, "period_key": p.key, "customers": ev.customers,
                "comparison_customers": ev.comparison_customers,
                "goals": [{k: g[k] for k in ("key", "type", "target", "achieved", "met", "previous",
                                             "comparison", "effect")} for g in ev.goals]})],
                reason=f"{p.key} closed")
        except AlreadyExists:
            pass
        store.update_with_retry(plan.id, _close_if_open(p.key), who, reason=f"{p.key} evaluated")
    existing = evaluations.get(eval_id)
    if existing is None:
        raise conflict("The plan is not running a period to close.", slug="illegal-transition",
                       state=plan.status, action="close", allowed=rules.PLANS.allowed(plan.status))
    return existing


def _close_if_open(period_key: str) -> Callable[[Plan], None]:
    def change(p: Plan) -> None:
        if p.status == rules.APPROVED and p.period_key == period_key:
            p.status = rules.PLANS.next(p.status, "close")
    return change


def close_due(at: datetime | None = None) -> int:
    """The period-end job: close every running plan whose period is over. A plan approved
    only after its period had ended (written after the fact) is closed by a supervisor on
    demand, not here."""
    today = clock.local_date(at or clock.now())
    closed = 0
    for row in Plan._get_collection().find({"status": rules.APPROVED, "period_end": {"$lte": _midnight(today)}},
                                           {"_id": 1}):
        plan = store.get(row["_id"])
        if plan is None or plan.status != rules.APPROVED:
            continue
        end = clock.day_bounds(period(plan).end)[0]
        since = clock.utc(plan.running_since)
        if since is None or since >= end:
            continue
        close(plan.id, None, today, SYSTEM, current=plan)
        closed += 1
    return closed


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


# --- 优化: decide the suggestions, run the next version ------------------------------------
def revise(plan_id: str, expected_version: int | None, decisions: list[dict[str, Any]], reason: str,
           who: Identity) -> Plan:
    """The supervisor's answer to each suggestion of the closed period's evaluation makes
    the next version, which runs the next period; what changed (and why) is recorded so the
    next evaluation reports its effect."""
    who.ensure_role(*APPROVERS)
    plan = visible(plan_id, who)
    ev = evaluations.get(f"{plan.id}:{plan.period_key}")
    if plan.status != rules.CLOSED or ev is None:
        raise conflict(f"Cannot revise a plan that is {plan.status}: close its period first.",
                       slug="illegal-transition", state=plan.status, action="revise",
                       allowed=rules.PLANS.allowed(plan.status))
    try:
        goals, actions, changes = rules.apply_decisions(list(plan.goals), list(plan.actions),
                                                        list(ev.suggestions), decisions)
    except rules.DecisionError as exc:
        raise invalid(exc.errors) from None

    def change(p: Plan) -> list[Envelope]:
        _step(p, "revise")
        nxt = rules.next_period(period(p))
        p.goals, p.actions = goals, actions
        p.period_key, p.period_start, p.period_end = nxt.key, nxt.start, nxt.end
        p.revision += 1
        p.revisions = [*p.revisions, {"revision": p.revision, "period_key": nxt.key, "by": who.user_id,
                                      "at": clock.now(), "reason": reason, "changes": changes,
                                      "from_evaluation": ev.id}]
        p.approved_by, p.running_since = who.user_id, clock.now()
        return [events.PLAN_REVISED.new(p.id, _data(p))]
    return store.update(plan_id, expected_version, change, who, current=plan, reason=reason)
