"""What plans read (控制 and 评估): progress at a day, the three-way evaluation of a period,
the plan part of a worklist and of the team figures. Queries here, judgement in plan_rules."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from chassis import clock, directory, identity
from chassis.identity import Identity

from . import plan_rules as rules, plan_scope
from .plan_models import ComplaintEscalation, Plan, PlanEvaluation, PlanTask, PlanWork, SettledComplaint
from .plan_work import as_day, day as day_of, task_row
from .snapshots import CustomerSnapshot

TASK_HORIZON_DAYS = 14     # a worklist shows open tasks due within two weeks, and every late one
MAX_ROWS = 500


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end) local days as UTC instants."""
    return clock.day_bounds(start)[0], clock.day_bounds(end)[0]


def work(customer_ids: Iterable[str], start: date, end: date) -> list[dict[str, Any]]:
    ids = list(customer_ids)
    if not ids or end <= start:
        return []
    lo, hi = _bounds(start, end)
    return list(PlanWork._get_collection().find({"customer_id": {"$in": ids}, "at": {"$gte": lo, "$lt": hi}},
                                                {"customer_id": 1, "kind": 1, "csat": 1}))


def tasks_of(plan_id: str, period_key: str, managers: list[str] | None = None) -> list[dict[str, Any]]:
    q: dict[str, Any] = {"plan_id": plan_id, "period_key": period_key}
    if managers is not None:
        q["manager_id"] = {"$in": managers}
    return [task_row(t) for t in PlanTask._get_collection().find(q)]


def _task_counts(tasks: list[dict[str, Any]], day: date) -> dict[str, Any]:
    c = Counter(t["status"] for t in tasks)
    overdue = sum(1 for t in tasks if t["status"] == rules.OPEN and t["due_on"] < day)
    total = len(tasks)
    return {"total": total, "done": c[rules.DONE], "open": c[rules.OPEN], "cancelled": c[rules.CANCELLED],
            "overdue": overdue, "completion": round(c[rules.DONE] / total, 4) if total else None}


def plan_customers(plan: Plan, tasks: list[dict[str, Any]]) -> dict[str, str | None]:
    """Customer → manager: those the period's tasks were made for (the plan as it ran);
    the scope now when the plan makes no tasks."""
    own = {t["customer_id"]: t["manager_id"] for t in tasks if t.get("source") == "plan"}
    return own or {c["id"]: c.get("manager_id") for c in plan_scope.customers(plan)}


# --- 评估 ----------------------------------------------------------------------------------
def evaluation(plan: Plan, p: rules.Period, as_of: date) -> dict[str, Any]:
    """Each goal against its target, the previous period (same customers) and comparable
    customers outside the plan (same periods); the effect of this revision's changes; the
    suggestions for the next version. Before the period ends (on demand), both periods are
    cut to the same number of days so they compare."""
    prev = rules.previous_period(p)
    end = min(p.end, as_of + timedelta(days=1))
    prev_end = min(prev.end, prev.start + (end - p.start))
    tasks = tasks_of(plan.id, p.key)
    members = set(plan_customers(plan, tasks))
    comparison = set(plan_scope.comparison(plan, members))
    now_rows = work(members | comparison, p.start, end)
    prev_rows = work(members | comparison, prev.start, prev_end)
    goals = []
    for g in plan.goals:
        gt = rules.GOAL_TYPES[g["type"]]
        goals.append(rules.evaluate_goal(g, rules.measure(gt, members, now_rows), rules.measure(gt, members, prev_rows),
                                         rules.measure(gt, comparison, now_rows),
                                         rules.measure(gt, comparison, prev_rows)))
    latest = (plan.revisions or [{}])[-1]
    changes = latest.get("changes") or [] if latest.get("period_key") == p.key else []
    return {"previous_period_key": prev.key, "customers": len(members), "comparison_customers": len(comparison),
            "tasks": _task_counts(tasks, as_of), "goals": goals,
            "change_effects": rules.change_effects(changes, goals),
            "suggestions": rules.suggest(list(plan.goals), list(plan.actions), goals)}


# --- 控制 ----------------------------------------------------------------------------------
def progress(plan: Plan, p: rules.Period, day: date, managers: list[str] | None = None) -> dict[str, Any]:
    """Where the plan stands at the end of ``day``: each goal overall and per manager
    (achieved, projected at the current pace, status), tasks per manager and per
    customer, and the deviations to flag. ``managers``: only their part (a worklist's),
    so a worklist reads its owners' share of a large plan, not all of it."""
    share = rules.elapsed_share(p, day)
    thresholds = {**rules.DEFAULT_THRESHOLDS, **(plan.thresholds or {})}
    tasks = tasks_of(plan.id, p.key, managers)
    members = plan_customers(plan, tasks)
    if managers is not None:
        members = {c: m for c, m in members.items() if m in managers}
    rows = work(members, p.start, min(p.end, day + timedelta(days=1))) if day >= p.start else []
    goals = [rules.goal_progress(g, rules.measure(rules.GOAL_TYPES[g["type"]], members, rows), share, thresholds)
             for g in plan.goals]
    by_manager: dict[str, list[str]] = defaultdict(list)
    for cid, m in members.items():
        by_manager[m or ""].append(cid)
    tasks_by_manager: dict[str, list[dict]] = defaultdict(list)
    tasks_by_customer: dict[str, list[dict]] = defaultdict(list)
    for t in tasks:
        tasks_by_manager[t["manager_id"]].append(t)
        tasks_by_customer[t.get("customer_id") or ""].append(t)
    deviations = [d for t in tasks if (d := rules.task_deviation(t, day, thresholds))]
    per_manager = {}
    for m, cids in sorted(by_manager.items()):
        mg = [rules.goal_progress(g, rules.measure(rules.GOAL_TYPES[g["type"]], cids, rows), share, thresholds)
              for g in plan.goals]
        per_manager[m] = {"customers": len(cids), "tasks": _task_counts(tasks_by_manager.get(m, []), day),
                          "goals": mg}
        deviations += [d for g in mg if (d := rules.goal_deviation(g, plan.id, m or None))]
    work_by_customer: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        work_by_customer[r["customer_id"]][r["kind"]] += 1
    customers = [{"customer_id": cid, "manager_id": m, "tasks": _task_counts(tasks_by_customer.get(cid, []), day),
                  "work": dict(work_by_customer.get(cid, {}))} for cid, m in sorted(members.items())][:MAX_ROWS]
    return {"plan_id": plan.id, "revision": plan.revision, "period_key": p.key, "as_of": day,
            "elapsed_share": round(share, 4), "customers_total": len(members),
            "tasks": _task_counts(tasks, day), "goals": goals, "per_manager": per_manager,
            "customers": customers, "deviations": deviations[:MAX_ROWS]}


# --- the worklist's plan part ----------------------------------------------------------------
def _running(plan_ids: Iterable[str], day: date) -> list[Plan]:
    return [Plan._from_son(r) for r in Plan._get_collection().find({"_id": {"$in": sorted(set(plan_ids))},
                                                                     "status": rules.APPROVED})
            if day_of(r["period_start"]) <= day < day_of(r["period_end"])]


def _team_of(manager_id: str, who: Identity) -> tuple[str, ...]:
    """The managers a supervisor oversees (the caller's own team when it is them)."""
    if who.user_id == manager_id and who.role == identity.SUPERVISOR:
        return who.team
    member = directory.get(manager_id)
    return member.team if member is not None and member.role == identity.SUPERVISOR else ()


def _deviations_of(managers: list[str], day: date, escalated_only: bool) -> list[dict[str, Any]]:
    open_rows = PlanTask._get_collection().find({"manager_id": {"$in": managers}, "status": rules.OPEN},
                                                {"plan_id": 1})
    out: list[dict[str, Any]] = []
    for plan in _running((r["plan_id"] for r in open_rows if r.get("plan_id")), day):
        prog = progress(plan, rules.period_of(plan.period_kind, day_of(plan.period_start)), day, managers)
        for d in prog["deviations"]:
            if d.get("manager_id") in managers and (d["escalated"] or not escalated_only):
                out.append({**d, "plan_name": plan.name})
    # Handed-down tasks have no plan: late ones are deviations too.
    for t in PlanTask._get_collection().find({"manager_id": {"$in": managers}, "status": rules.OPEN,
                                              "plan_id": None, "due_on": {"$lt": _midnight(day)}}):
        d = rules.task_deviation(task_row(t), day, rules.DEFAULT_THRESHOLDS)
        if d and (d["escalated"] or not escalated_only):
            out.append({**d, "plan_name": None})
    out.sort(key=lambda d: (not d["escalated"], d["kind"], -(d.get("days_overdue") or 0)))
    return out[:MAX_ROWS]


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def worklist(manager_id: str, day: date, who: Identity) -> dict[str, list[dict[str, Any]]]:
    """The plan part of a worklist: the owner's open tasks (due within two weeks, and late
    ones), their deviations, and — when the worklist is a supervisor's — the team's
    deviations past the plan's threshold and the complaints escalated to them."""
    horizon = _midnight(day + timedelta(days=TASK_HORIZON_DAYS))
    rows = [task_row(t) for t in PlanTask._get_collection().find(
        {"manager_id": manager_id, "status": rules.OPEN, "due_on": {"$lt": horizon}}).sort(
        [("due_on", 1), ("_id", 1)]).limit(MAX_ROWS)]
    rows = [t for t in rows if t.get("period_start") is None or t["period_start"] <= day]
    names = {s["_id"]: s.get("name") for s in CustomerSnapshot._get_collection().find(
        {"_id": {"$in": sorted({t["customer_id"] for t in rows if t.get("customer_id")})}}, {"name": 1})}
    tasks = [{**t, "name": names.get(t.get("customer_id")), "days_overdue": rules.days_overdue(t["due_on"], day)}
             for t in rows]
    deviations = _deviations_of([manager_id], day, escalated_only=False)
    team = [m for m in _team_of(manager_id, who) if m != manager_id]
    escalated: list[dict[str, Any]] = []
    if team:
        deviations += _deviations_of(team, day, escalated_only=True)
        escalated = complaints_escalated(team)
    return {"plan_tasks": tasks, "plan_deviations": deviations, "escalated_complaints": escalated}


def complaints_escalated(managers: list[str]) -> list[dict[str, Any]]:
    rows = list(ComplaintEscalation._get_collection().find({"manager_id": {"$in": managers}}).sort(
        [("received_at", -1)]).limit(MAX_ROWS))
    settled = {s["_id"] for s in SettledComplaint._get_collection().find(
        {"_id": {"$in": sorted({f"{r['complaint_id']}:{r['cycle']}" for r in rows})}}, {"_id": 1})}
    out = []
    for r in rows:
        if f"{r['complaint_id']}:{r['cycle']}" in settled:
            continue
        r["breach_id"] = r.pop("_id")
        out.append(r)
    return out


# --- the team figures' plan part -------------------------------------------------------------
def dashboard(managers: list[str], start: date, end: date, who: Identity) -> list[dict[str, Any]]:
    """Plans with tasks for these managers in a period overlapping start..end: task progress
    of those managers (as of ``end``) and the plan's latest evaluation (target, achieved,
    effect per goal)."""
    rows = PlanTask._get_collection().find({"manager_id": {"$in": managers}, "plan_id": {"$ne": None},
                                            "period_start": {"$lte": _midnight(end)},
                                            "period_end": {"$gt": _midnight(start)}},
                                           {"plan_id": 1, "period_key": 1, "status": 1, "due_on": 1})
    by_plan: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_plan[r["plan_id"]].append({**r, "due_on": as_day(r["due_on"])})
    out = []
    for p in Plan._get_collection().find({"_id": {"$in": sorted(by_plan)}}):
        if not who.can_see(p["manager_id"], p.get("branch")):
            continue
        latest = PlanEvaluation._get_collection().find({"plan_id": p["_id"]}).sort([("period_start", -1)]).limit(1)
        ev = next(iter(latest), None)
        out.append({"plan_id": p["_id"], "name": p["name"], "revision": p["revision"], "status": p["status"],
                    "period_key": p["period_key"], "tasks": _task_counts(by_plan[p["_id"]], end),
                    "latest_evaluation": None if ev is None else {
                        "period_key": ev["period_key"], "revision": ev["revision"],
                        "customers": ev["customers"], "comparison_customers": ev["comparison_customers"],
                        "goals": [{k: g.get(k) for k in ("key", "type", "target", "achieved", "met", "previous",
                                                         "comparison", "effect")} for g in ev["goals"]]}})
    out.sort(key=lambda x: (x["period_key"], x["plan_id"]))
    return out
