"""Maintenance plans (维护方案): the pure rules of the loop 制定 → 执行 → 控制 → 评估 → 优化.

No I/O here: periods, goal types and how each is measured, the tasks a plan's actions make,
progress and deviations at a given day, the three-way evaluation, suggestions for the next
version and how the supervisor's decisions make it. The use cases (``plans.py``,
``plan_tasks.py``, ``plan_reads.py``) feed these with rows read from the database.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chassis.statemachine import StateMachine

# --------------------------------------------------------------------------- workflow
DRAFT, SUBMITTED, APPROVED, CLOSED = "draft", "submitted", "approved", "closed"
PLAN_STATES = (DRAFT, SUBMITTED, APPROVED, CLOSED)
PLANS = StateMachine("plan", {
    "edit": ((DRAFT,), DRAFT),
    "submit": ((DRAFT,), SUBMITTED),
    # A supervisor may approve a plan they drafted themselves; a manager's draft waits for one.
    "approve": ((DRAFT, SUBMITTED), APPROVED),
    "reject": ((SUBMITTED,), DRAFT),
    "close": ((APPROVED,), CLOSED),          # the period ended and was evaluated
    "revise": ((CLOSED,), APPROVED),         # the next version runs the next period
})

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
TASK_STATES = (OPEN, DONE, CANCELLED)
TASKS = StateMachine("task", {
    "complete": ((OPEN,), DONE),
    "cancel": ((OPEN,), CANCELLED),
})

# --------------------------------------------------------------------------- periods
PERIOD_KINDS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date      # first day
    end: date        # first day *after* the period

    @property
    def key(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    n = d.year * 12 + d.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year that contains ``day``."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    if kind == "year":
        start = date(day.year, 1, 1)
        return Period(kind, start, date(day.year + 1, 1, 1))
    size = 3 if kind == "quarter" else 1
    start = date(day.year, (day.month - 1) // size * size + 1, 1)
    return Period(kind, start, _add_months(start, size))


def next_period(p: Period) -> Period:
    return period_of(p.kind, p.end)


def previous_period(p: Period) -> Period:
    return period_of(p.kind, p.start - timedelta(days=1))


def elapsed_share(p: Period, day: date) -> float:
    """How much of the period has gone by at the end of ``day`` (0..1)."""
    done = (min(day, p.last_day) - p.start).days + 1
    return max(0.0, min(1.0, done / p.days))


# --------------------------------------------------------------------------- goals and actions
# Work recorded elsewhere that plans count, by kind (one row per piece of work, see plan_work.py).
WORK_KINDS = ("interaction", "visit", "greeting", "survey", "activity")
ACTION_KINDS = ("contact", "visit", "greeting", "survey", "activity")
# Which recorded work completes a task made by an action of each kind (no second entry).
COMPLETED_BY: dict[str, tuple[str, ...]] = {
    "contact": ("interaction", "visit"),
    "visit": ("visit",),
    "greeting": ("greeting",),
    "survey": ("survey",),
    "activity": ("activity",),
}
HANDED_DOWN = "handed_down"   # a supervisor's task (上级交办); completes by hand or by matching work
TASK_KINDS = (*ACTION_KINDS, HANDED_DOWN)


@dataclass(frozen=True)
class GoalType:
    """How one kind of goal is measured over a set of customers and a period.

    ``measure``: ``per_customer`` (work rows per customer), ``share`` (share of customers
    with at least one row) or ``mean`` (mean of a figure on the rows). A goal type from a
    later source (AUM retained, products held from core banking) is one more entry with
    the work kind its rows come in as and the action that drives it."""
    key: str
    label: str
    work: tuple[str, ...]
    measure: str
    action: str | None          # the action kind that moves it (what optimisation adjusts)
    figure: str | None = None   # for ``mean``: which figure of the row
    maximum: float | None = None


GOAL_TYPES: dict[str, GoalType] = {g.key: g for g in (
    GoalType("contacts_per_customer", "contacts per customer", ("interaction", "visit"), "per_customer", "contact"),
    GoalType("visits_per_customer", "visits per customer", ("visit",), "per_customer", "visit"),
    GoalType("greeting_coverage", "share of customers greeted", ("greeting",), "share", "greeting", maximum=1.0),
    GoalType("activity_participation", "share of customers who attended an activity", ("activity",), "share",
             "activity", maximum=1.0),
    GoalType("survey_response", "share of customers who answered a survey", ("survey",), "share", "survey",
             maximum=1.0),
    # Satisfaction is moved by care, not by asking more often: its lever is contact.
    GoalType("csat", "mean satisfaction (1–5)", ("survey",), "mean", "contact", figure="csat", maximum=5.0),
)}

DEFAULT_THRESHOLDS = {
    "overdue_days": 14,      # a task this many days late goes to the supervisor as well
    "shortfall": 0.3,        # a goal projected this share below target goes to the supervisor
    "at_risk": 0.1,          # projected this share below target: flagged to the owner
}


def measure(goal: GoalType, customers: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> float | None:
    """The goal's figure for ``customers`` from work ``rows`` (already limited to the period).
    None when there is nothing to measure (no customers; no scored answer for a mean)."""
    ids = set(customers)
    if not ids:
        return None
    mine = [r for r in rows if r["customer_id"] in ids and r["kind"] in goal.work]
    if goal.measure == "per_customer":
        return round(len(mine) / len(ids), 4)
    if goal.measure == "share":
        return round(len({r["customer_id"] for r in mine}) / len(ids), 4)
    values = [r[goal.figure] for r in mine if goal.figure and r.get(goal.figure) is not None]
    return round(sum(values) / len(values), 4) if values else None


def _short(target: float, value: float | None) -> float | None:
    """How far below target, as a share of the target (0 when met)."""
    if value is None or target <= 0:
        return None
    return round(max(0.0, (target - value) / target), 4)


def project(goal: GoalType, achieved: float | None, share: float) -> float | None:
    """Where the goal ends at the current pace: counts and coverage grow with time, a mean does not."""
    if achieved is None:
        return None
    if goal.measure == "mean" or share >= 1.0:
        return achieved
    if share <= 0:
        return None
    projected = achieved / share
    return round(min(projected, goal.maximum) if goal.maximum is not None else projected, 4)


def goal_progress(goal: Mapping[str, Any], achieved: float | None, share: float,
                  thresholds: Mapping[str, float]) -> dict[str, Any]:
    """One goal at a day: achieved so far, projected at the current pace, and its status:
    ``met``, ``on_track``, ``at_risk`` (flag the owner) or ``off_track`` (flag the supervisor too)."""
    gt = GOAL_TYPES[goal["type"]]
    target = float(goal["target"])
    projected = project(gt, achieved, share)
    short = _short(target, projected)
    if achieved is not None and achieved >= target:
        status = "met"
    elif short is None:
        status = "on_track" if share < 1.0 else "off_track"
    elif short > thresholds.get("shortfall", DEFAULT_THRESHOLDS["shortfall"]):
        status = "off_track"
    elif short > thresholds.get("at_risk", DEFAULT_THRESHOLDS["at_risk"]):
        status = "at_risk"
    else:
        status = "on_track"
    return {"key": goal["key"], "type": goal["type"], "target": target, "achieved": achieved,
            "projected": projected, "shortfall": short, "status": status}


def days_overdue(due_on: date, day: date) -> int:
    return max(0, (day - due_on).days)


def task_deviation(task: Mapping[str, Any], day: date, thresholds: Mapping[str, float]) -> dict[str, Any] | None:
    """An open task past its due day, escalated when it is late by the threshold or more."""
    if task.get("status") != OPEN:
        return None
    late = days_overdue(task["due_on"], day)
    if late <= 0:
        return None
    return {"kind": "task_overdue", "task_id": task["id"], "plan_id": task.get("plan_id"),
            "customer_id": task.get("customer_id"), "manager_id": task.get("manager_id"),
            "task_kind": task.get("kind"), "due_on": task["due_on"], "days_overdue": late,
            "escalated": late >= int(thresholds.get("overdue_days", DEFAULT_THRESHOLDS["overdue_days"]))}


def goal_deviation(progress: Mapping[str, Any], plan_id: str, manager_id: str | None) -> dict[str, Any] | None:
    if progress["status"] not in ("at_risk", "off_track"):
        return None
    return {"kind": "goal_at_risk", "plan_id": plan_id, "manager_id": manager_id, "goal_key": progress["key"],
            "goal_type": progress["type"], "target": progress["target"], "achieved": progress["achieved"],
            "projected": progress["projected"], "shortfall": progress["shortfall"],
            "escalated": progress["status"] == "off_track"}


# --------------------------------------------------------------------------- execution
def task_id(plan_id: str, period_key: str, customer_id: str, kind: str, n: int) -> str:
    """Deterministic, so generating a period's tasks twice creates each once (unique _id)."""
    return f"{plan_id}:{period_key}:{customer_id}:{kind}:{n}"


def due_days(p: Period, count: int) -> list[date]:
    """``count`` due days spread evenly over the period, the last on its last day."""
    return [p.start + timedelta(days=max(0, math.floor(p.days * (i + 1) / count) - 1)) for i in range(count)]


def tasks_for(plan_id: str, p: Period, customers: Iterable[Mapping[str, Any]],
              actions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tasks a plan's actions make for a period: per customer, per action, ``per_customer``
    of them with due days spread over the period; the owner is the customer's manager."""
    out = []
    for c in customers:
        for a in actions:
            for n, due in enumerate(due_days(p, int(a["per_customer"])), start=1):
                out.append({"id": task_id(plan_id, p.key, c["id"], a["kind"], n), "plan_id": plan_id,
                            "period_key": p.key, "period_start": p.start, "period_end": p.end,
                            "customer_id": c["id"], "manager_id": c.get("manager_id"), "branch": c.get("branch"),
                            "kind": a["kind"], "due_on": due, "status": OPEN, "source": "plan"})
    return out


def completes(task_kind: str, work_kind: str) -> bool:
    return work_kind in COMPLETED_BY.get(task_kind, ())


def pick_task(tasks: Iterable[Mapping[str, Any]], work_kind: str, at: date) -> list[Mapping[str, Any]]:
    """Open tasks this work may complete, best first: of a matching kind, in a period that
    contains the work's day, earliest due first (a visit completes a visit task before a
    contact task)."""
    fit = [t for t in tasks if t.get("status") == OPEN and completes(t["kind"], work_kind)
           and (t.get("period_start") is None or t["period_start"] <= at)
           and (t.get("period_end") is None or at < t["period_end"])]
    preferred = work_kind if work_kind in ACTION_KINDS else "contact"
    return sorted(fit, key=lambda t: (t["kind"] != preferred, t["due_on"], t["id"]))


# --------------------------------------------------------------------------- evaluation
def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)


def evaluate_goal(goal: Mapping[str, Any], achieved: float | None, previous: float | None,
                  comparison: float | None, comparison_previous: float | None) -> dict[str, Any]:
    """A goal measured three ways: against its target, against the previous period (same
    customers), and against comparable customers outside the plan over the same two periods.
    ``effect`` is the plan customers' change minus the comparison group's change
    (difference in differences), so a trend everyone shares is not credited to the plan."""
    target = float(goal["target"])
    change = _delta(achieved, previous)
    comparison_change = _delta(comparison, comparison_previous)
    return {"key": goal["key"], "type": goal["type"], "target": target, "achieved": achieved,
            "met": achieved is not None and achieved >= target, "shortfall": _short(target, achieved),
            "previous": previous, "change": change,
            "comparison": comparison, "comparison_previous": comparison_previous,
            "comparison_change": comparison_change, "vs_comparison": _delta(achieved, comparison),
            "effect": _delta(change, comparison_change)}


def change_effects(changes: Iterable[Mapping[str, Any]], goals: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the changes of this version did: each accepted change with the goals it was
    meant to move (before = previous period, after = this one, and the effect net of the
    comparison group)."""
    results = list(goals)
    out = []
    for ch in changes:
        if ch.get("decision") == "reject":
            continue
        if ch["target"] == "goal":
            moved = [g for g in results if g["key"] == ch["goal_key"]]
        else:
            moved = [g for g in results if GOAL_TYPES[g["type"]].action == ch["action"]]
        out.append({"change": {k: ch.get(k) for k in ("suggestion_id", "target", "action", "goal_key", "field",
                                                     "old", "new")},
                    "goals": [{"key": g["key"], "type": g["type"], "before": g["previous"], "after": g["achieved"],
                               "change": g["change"], "comparison_change": g["comparison_change"],
                               "effect": g["effect"]} for g in moved]})
    return out


# --------------------------------------------------------------------------- optimisation
STRETCH = 1.25     # a goal beaten by this factor gets a higher target proposed


def _fmt(v: float | None) -> str:
    return "none" if v is None else f"{v:g}"


def suggest(goals: Sequence[Mapping[str, Any]], actions: Sequence[Mapping[str, Any]],
            results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Proposed changes for the next version, each with its reason (优化):

    * a goal missed → more of the action that drives it (one more per customer, or the
      action added), the more so said when satisfaction fell over the same period;
    * a goal beaten by ``STRETCH`` or more → a higher target (what was achieved).
    """
    by_kind = {a["kind"]: a for a in actions}
    csat: Mapping[str, Any] = next((r for r in results if r["type"] == "csat"), {})
    fell = csat.get("change") is not None and csat["change"] < 0
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in results:
        gt = GOAL_TYPES[r["type"]]
        if not r["met"] and gt.action and gt.action not in seen:
            seen.add(gt.action)
            current = by_kind.get(gt.action)
            old = int(current["per_customer"]) if current else 0
            reason = (f"{gt.label} {_fmt(r['achieved'])} against a target of {_fmt(r['target'])}"
                      f" (short by {round((r['shortfall'] or 1) * 100)}%)")
            if fell and csat is not r:
                reason += f"; satisfaction fell from {_fmt(csat['previous'])} to {_fmt(csat['achieved'])}"
            out.append({"target": "action", "action": gt.action, "goal_key": r["key"], "field": "per_customer",
                        "old": old, "new": old + 1,
                        "reason": reason + f": raise {gt.action} actions per customer from {old} to {old + 1}"})
        elif r["met"] and r["achieved"] is not None and r["achieved"] >= STRETCH * r["target"] > 0:
            new = round(min(r["achieved"], gt.maximum) if gt.maximum is not None else r["achieved"], 2)
            if new > r["target"]:
                out.append({"target": "goal", "action": None, "goal_key": r["key"], "field": "target",
                            "old": r["target"], "new": new,
                            "reason": f"{gt.label} {_fmt(r['achieved'])} beat the target of {_fmt(r['target'])} by "
                                      f"{round((r['achieved'] / r['target'] - 1) * 100)}%: raise the target to "
                                      f"{_fmt(new)}"})
    for i, s in enumerate(out, start=1):
        s["id"] = f"s{i}"
    return out


class DecisionError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


def apply_decisions(goals: Sequence[Mapping[str, Any]], actions: Sequence[Mapping[str, Any]],
                    suggestions: Sequence[Mapping[str, Any]],
                    decisions: Sequence[Mapping[str, Any]]) -> tuple[list[dict], list[dict], list[dict]]:
    """The supervisor's answer to each suggestion — ``accept``, ``edit`` (with ``value``) or
    ``reject`` — applied to copies of the goals and actions. Returns (goals, actions,
    changes); every suggestion must be answered exactly once."""
    by_id = {s["id"]: s for s in suggestions}
    answered = [d["suggestion_id"] for d in decisions]
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answered) - set(by_id))
    if unknown:
        errors["decisions"] = [f"No such suggestion: {', '.join(unknown)}."]
    elif len(set(answered)) != len(answered) or set(answered) != set(by_id):
        errors["decisions"] = ["Answer every suggestion exactly once: " + ", ".join(sorted(by_id)) + "."]
    for d in decisions:
        if d["decision"] == "edit" and d.get("value") is None:
            errors.setdefault("decisions", []).append(f"{d['suggestion_id']}: an edit needs a value.")
    if errors:
        raise DecisionError(errors)
    new_goals = [dict(g) for g in goals]
    new_actions = [dict(a) for a in actions]
    changes = []
    for d in decisions:
        s = by_id[d["suggestion_id"]]
        new: Any = s["new"] if d["decision"] == "accept" else d.get("value") if d["decision"] == "edit" else s["old"]
        if s["target"] == "action":
            new = int(new)
            if not 0 <= new <= MAX_PER_CUSTOMER:
                raise DecisionError({"decisions": [f"{s['id']}: per customer must be 0–{MAX_PER_CUSTOMER}."]})
            if d["decision"] != "reject":
                new_actions = [a for a in new_actions if a["kind"] != s["action"]]
                if new > 0:
                    new_actions.append({"kind": s["action"], "per_customer": new})
        else:
            new = float(new)
            if new <= 0:
                raise DecisionError({"decisions": [f"{s['id']}: a target must be above 0."]})
            if d["decision"] != "reject":
                new_goals = [{**g, "target": new} if g["key"] == s["goal_key"] else g for g in new_goals]
        changes.append({"suggestion_id": s["id"], "decision": d["decision"], "target": s["target"],
                        "action": s.get("action"), "goal_key": s.get("goal_key"), "field": s["field"],
                        "old": s["old"], "new": new if d["decision"] != "reject" else s["old"],
                        "reason": s["reason"]})
    new_actions.sort(key=lambda a: ACTION_KINDS.index(a["kind"]))
    return new_goals, new_actions, changes


MAX_PER_CUSTOMER = 12   # actions per customer per period: more is a typing mistake
