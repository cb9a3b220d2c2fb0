"""Maintenance plans' pure rules (services/engagement/plan_rules.py): periods, tasks, measures,
progress and deviations, the three-way evaluation, suggestions and the decisions on them."""
from datetime import date

import pytest

from chassis.statemachine import IllegalTransition
from services.engagement import plan_rules as r

Q3 = r.period_of("quarter", date(2026, 8, 15))


def test_periods_know_their_key_bounds_and_neighbours():
    assert (Q3.key, Q3.start, Q3.end, Q3.days) == ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1), 92)
    assert r.next_period(r.period_of("quarter", date(2026, 12, 31))).key == "2027-Q1"
    assert r.previous_period(r.period_of("quarter", date(2026, 2, 1))).key == "2025-Q4"
    assert r.period_of("month", date(2026, 2, 10)).end == date(2026, 3, 1)
    assert r.period_of("year", date(2026, 5, 5)).key == "2026"
    assert r.elapsed_share(Q3, date(2026, 6, 30)) == 0.0
    assert r.elapsed_share(Q3, Q3.last_day) == 1.0 and r.elapsed_share(Q3, date(2027, 1, 1)) == 1.0
    with pytest.raises(ValueError):
        r.period_of("week", date(2026, 1, 1))


def test_actions_make_tasks_spread_over_the_period_with_ids_that_make_them_once():
    assert r.due_days(Q3, 1) == [Q3.last_day]
    assert r.due_days(Q3, 2) == [date(2026, 8, 15), Q3.last_day]
    customers = [{"id": "c1", "manager_id": "m1", "branch": "sh"}, {"id": "c2", "manager_id": "m2", "branch": "sh"}]
    tasks = r.tasks_for("p1", Q3, customers, [{"kind": "contact", "per_customer": 2}, {"kind": "visit",
                                                                                     "per_customer": 1}])
    assert len(tasks) == 6 and len({t["id"] for t in tasks}) == 6
    assert {t["manager_id"] for t in tasks if t["customer_id"] == "c2"} == {"m2"}
    again = r.tasks_for("p1", Q3, customers[:1], [{"kind": "contact", "per_customer": 1}])
    assert tasks[0]["id"] == "p1:2026-Q3:c1:contact:1" == again[0]["id"]


ROWS = [{"customer_id": "c1", "kind": "interaction"}, {"customer_id": "c1", "kind": "visit"},
        {"customer_id": "c2", "kind": "interaction"}, {"customer_id": "c2", "kind": "survey", "csat": 4},
        {"customer_id": "c3", "kind": "survey", "csat": 2}, {"customer_id": "x", "kind": "interaction"}]


def test_each_goal_type_measures_its_own_work_over_its_own_customers():
    g = r.GOAL_TYPES
    assert r.measure(g["contacts_per_customer"], ["c1", "c2"], ROWS) == 1.5
    assert r.measure(g["visits_per_customer"], ["c1", "c2"], ROWS) == 0.5
    assert r.measure(g["survey_response"], ["c1", "c2", "c3", "c4"], ROWS) == 0.5
    assert r.measure(g["csat"], ["c2", "c3"], ROWS) == 3.0
    assert r.measure(g["csat"], ["c1"], ROWS) is None and r.measure(g["greeting_coverage"], [], ROWS) is None


def test_progress_projects_at_the_current_pace_and_flags_by_threshold():
    th = r.DEFAULT_THRESHOLDS
    goal = {"key": "contacts", "type": "contacts_per_customer", "target": 2}
    assert r.goal_progress(goal, 1.0, 0.5, th)["status"] == "on_track"          # 1 by half-time → 2
    at_risk = r.goal_progress(goal, 0.8, 0.5, th)                                # → 1.6: 20 % short
    assert (at_risk["status"], at_risk["projected"], at_risk["shortfall"]) == ("at_risk", 1.6, 0.2)
    off = r.goal_progress(goal, 0.5, 0.5, th)                                    # → 1.0: 50 % short
    assert off["status"] == "off_track" and r.goal_deviation(off, "p1", "m1")["escalated"] is True
    assert r.goal_progress(goal, 2.0, 0.3, th)["status"] == "met"
    cover = r.goal_progress({"key": "g", "type": "greeting_coverage", "target": 0.9}, 0.8, 0.5, th)
    assert cover["projected"] == 1.0 and cover["status"] == "on_track"           # a share never projects past 1
    task = {"id": "t", "status": "open", "due_on": date(2026, 8, 1)}
    assert r.task_deviation(task, date(2026, 8, 1), th) is None
    assert r.task_deviation(task, date(2026, 8, 10), th)["escalated"] is False
    assert r.task_deviation(task, date(2026, 8, 15), th)["escalated"] is True
    assert r.task_deviation({**task, "status": "done"}, date(2026, 9, 1), th) is None


def test_work_completes_the_best_matching_open_task_of_its_period():
    tasks = [{"id": "a", "kind": "contact", "status": "open", "due_on": date(2026, 9, 30),
              "period_start": Q3.start, "period_end": Q3.end},
             {"id": "b", "kind": "visit", "status": "open", "due_on": date(2026, 9, 30),
              "period_start": Q3.start, "period_end": Q3.end},
             {"id": "c", "kind": "contact", "status": "open", "due_on": date(2026, 8, 1),
              "period_start": Q3.start, "period_end": Q3.end},
             {"id": "d", "kind": "handed_down", "status": "open", "due_on": date(2026, 8, 1)}]
    assert [t["id"] for t in r.pick_task(tasks, "interaction", date(2026, 7, 3))] == ["c", "a"]
    assert [t["id"] for t in r.pick_task(tasks, "visit", date(2026, 7, 3))] == ["b", "c", "a"]
    assert r.pick_task(tasks, "interaction", date(2026, 10, 1)) == []            # next period's work
    assert r.pick_task(tasks, "greeting", date(2026, 7, 3)) == []


def test_evaluation_separates_the_plans_effect_from_the_trend():
    goal = {"key": "contacts", "type": "contacts_per_customer", "target": 2}
    e = r.evaluate_goal(goal, achieved=1.8, previous=1.0, comparison=1.3, comparison_previous=1.0)
    assert (e["met"], e["change"], e["comparison_change"], e["effect"], e["vs_comparison"]) == \
        (False, 0.8, 0.3, 0.5, 0.5)
    assert e["shortfall"] == 0.1
    none = r.evaluate_goal(goal, None, None, None, None)
    assert none["met"] is False and none["effect"] is None


def _results():
    return [r.evaluate_goal({"key": "contacts", "type": "contacts_per_customer", "target": 2}, 1.0, 1.2, 1.1, 1.1),
            r.evaluate_goal({"key": "visits", "type": "visits_per_customer", "target": 0.5}, 1.0, 0.2, 0.1, 0.1),
            r.evaluate_goal({"key": "csat", "type": "csat", "target": 4.0}, 4.2, 4.6, 4.0, 4.0)]


def test_suggestions_raise_what_drives_a_missed_goal_and_stretch_a_beaten_one_each_with_its_reason():
    goals = [{"key": "contacts", "type": "contacts_per_customer", "target": 2},
             {"key": "visits", "type": "visits_per_customer", "target": 0.5},
             {"key": "csat", "type": "csat", "target": 4.0}]
    s = r.suggest(goals, [{"kind": "contact", "per_customer": 1}], _results())
    assert [(x["id"], x["target"], x["field"], x["old"], x["new"]) for x in s] == [
        ("s1", "action", "per_customer", 1, 2), ("s2", "goal", "target", 0.5, 1.0)]
    assert "target of 2" in s[0]["reason"] and "satisfaction fell from 4.6 to 4.2" in s[0]["reason"]
    assert "beat the target" in s[1]["reason"]


def test_decisions_make_the_next_versions_goals_and_actions_and_say_what_changed():
    goals = [{"key": "contacts", "type": "contacts_per_customer", "target": 2.0},
             {"key": "visits", "type": "visits_per_customer", "target": 0.5}]
    actions = [{"kind": "visit", "per_customer": 1}, {"kind": "contact", "per_customer": 1}]
    s = r.suggest(goals, actions, _results()[:2])
    new_goals, new_actions, changes = r.apply_decisions(goals, actions, s, [
        {"suggestion_id": "s1", "decision": "edit", "value": 3}, {"suggestion_id": "s2", "decision": "reject"}])
    assert new_actions == [{"kind": "contact", "per_customer": 3}, {"kind": "visit", "per_customer": 1}]
    assert new_goals == goals and goals[1]["target"] == 0.5                       # the input is not touched
    assert [(c["decision"], c["old"], c["new"]) for c in changes] == [("edit", 1, 3), ("reject", 0.5, 0.5)]
    for bad in ([], [{"suggestion_id": "s1", "decision": "accept"}] * 2,
                [{"suggestion_id": "s9", "decision": "accept"}],
                [{"suggestion_id": "s1", "decision": "edit"}, {"suggestion_id": "s2", "decision": "accept"}]):
        with pytest.raises(r.DecisionError):
            r.apply_decisions(goals, actions, s, bad)
    effects = r.change_effects(changes, _results()[:2])
    assert len(effects) == 1 and effects[0]["goals"][0]["key"] == "contacts"
    assert effects[0]["goals"][0]["before"] == 1.2 and effects[0]["goals"][0]["after"] == 1.0


def test_the_plan_and_task_workflows_refuse_illegal_steps():
    assert r.PLANS.next("draft", "approve") == "approved" and r.PLANS.next("closed", "revise") == "approved"
    with pytest.raises(IllegalTransition):
        r.PLANS.next("approved", "edit")
    with pytest.raises(IllegalTransition):
        r.TASKS.next("done", "complete")
