"""Maintenance plans' use cases through the engagement composition root with in-memory fakes
(``chassis.fakes``): who may draft, approve, revise and hand down, what each step records
(version, reason, events) and what it refuses. Queries over many records (task generation,
progress, evaluation) run on the real servers in tests/e2e/test_plans_e2e.py."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from chassis.directory import StaffMember
from chassis.errors import Problem
from chassis.exceptions import StaleVersion
from chassis.fakes import FakeDirectory, FakeStore
from chassis.identity import ADMIN, MANAGER, SUPERVISOR, Identity

ALICE = Identity("m-alice", MANAGER, branch="sh")
BOB = Identity("m-bob", MANAGER, branch="sh")
SUE = Identity("s-sue", SUPERVISOR, branch="sh", team=("m-alice", "m-bob"))
FAR_ADMIN = Identity("a-bj", ADMIN, branch="bj")
STAFF = FakeDirectory(StaffMember("m-alice", MANAGER, "sh", (), True), StaffMember("m-bob", MANAGER, "sh", (), True),
                      StaffMember("m-far", MANAGER, "bj", (), True))
PLAN = {"name": "金卡客户季度维护", "scope": {"tiers": ["gold"]}, "period_kind": "quarter",
        "period_start": date(2026, 8, 15), "goals": [{"type": "contacts_per_customer", "target": 2}],
        "actions": [{"kind": "contact", "per_customer": 2}]}


class FakeBooks:
    """How many customers a scope covers: a figure the test sets."""

    def __init__(self, n: int = 3) -> None:
        self.n = n

    def count(self, scope, branch) -> int:
        return self.n


@pytest.fixture
def fakes():
    from chassis import directory
    from services.engagement import bootstrap as root
    from services.engagement.plan_models import Plan, PlanEvaluation, PlanTask
    stores = {"plans": FakeStore(Plan, "plan"), "plan_tasks": FakeStore(PlanTask, "plan_task"),
              "plan_evaluations": FakeStore(PlanEvaluation, "plan_evaluation")}
    with root.ports.overridden(**stores, plan_books=FakeBooks()), directory.ports.overridden(staff=STAFF):
        yield stores


def test_a_plan_larger_than_the_limit_is_refused_at_draft_edit_and_approval(fakes):
    from services.engagement import bootstrap as root, plans
    limit = plans.max_customers()
    with root.ports.overridden(plan_books=FakeBooks(limit + 1)):
        with pytest.raises(Problem) as big:
            plans.create(PLAN, ALICE)
    assert big.value.status == 422 and "scope" in big.value.extra["errors"]
    assert fakes["plans"].records() == []                      # nothing was stored
    p = plans.create(PLAN, ALICE)
    p = plans.submit(p.id, 1, None, ALICE)
    with root.ports.overridden(plan_books=FakeBooks(limit + 1)):   # the book grew since the draft
        with pytest.raises(Problem) as grown:
            plans.approve(p.id, 2, None, SUE)
    assert grown.value.status == 422
    assert plans.approve(p.id, 2, None, SUE).status == "approved"


def test_a_manager_drafts_for_their_own_book_and_a_supervisor_approves_it(fakes):
    from services.engagement import plans
    p = plans.create(PLAN, ALICE)
    assert (p.status, p.version, p.revision, p.period_key, p.manager_id) == ("draft", 1, 1, "2026-Q3", "m-alice")
    assert p.scope["manager_ids"] == ["m-alice"] and p.goals[0]["key"] == "contacts_per_customer"
    with pytest.raises(Problem) as refused:
        plans.approve(p.id, 1, None, ALICE)
    assert refused.value.status == 403
    p = plans.submit(p.id, 1, "请审批", ALICE)
    with pytest.raises(Problem) as unseen:                     # another manager: the plan does not exist
        plans.submit(p.id, 2, None, BOB)
    assert unseen.value.status == 404
    with pytest.raises(StaleVersion):
        plans.approve(p.id, 1, None, SUE)
    p = plans.approve(p.id, 2, "同意", SUE)
    assert (p.status, p.approved_by, p.version) == ("approved", "s-sue", 3) and p.running_since
    [approved] = fakes["plans"].events("engagement.plan.approved")
    assert approved["data"]["period_key"] == "2026-Q3" and "name" not in approved["data"]
    assert [rec["reason"] for rec in fakes["plans"].records()] == ["drafted", "请审批", "同意"]
    with pytest.raises(Problem) as running:                    # a running plan changes only through optimisation
        plans.edit(p.id, 3, {"name": "x", "reason": "改名"}, ALICE)
    assert running.value.status == 409 and running.value.extra["allowed"] == ["close"]


def test_scope_stays_inside_the_drafters_reach(fakes):
    from services.engagement import plans
    with pytest.raises(Problem) as other_book:
        plans.create({**PLAN, "scope": {"manager_ids": ["m-bob"]}}, ALICE)
    assert other_book.value.status == 404
    team_plan = plans.create(PLAN, SUE)
    assert team_plan.scope["manager_ids"] == ["m-alice", "m-bob"]
    with pytest.raises(Problem):
        plans.create({**PLAN, "goals": [{"type": "greeting_coverage", "target": 1.5}]}, SUE)
    with pytest.raises(Problem):
        plans.create({**PLAN, "goals": [{"type": "csat", "target": 4}, {"type": "csat", "target": 3}]}, SUE)
    assert plans.visible(team_plan.id, SUE) and plans.visible(team_plan.id, Identity("a-sh", ADMIN, branch="sh"))
    for outsider in (ALICE, FAR_ADMIN):
        with pytest.raises(Problem) as hidden:
            plans.visible(team_plan.id, outsider)
        assert hidden.value.status == 404


def _closed_plan(fakes):
    from services.engagement import plan_rules, plans
    from services.engagement.plan_models import PlanEvaluation
    p = plans.approve(plans.create(PLAN, SUE).id, 1, None, SUE)
    p.status = plan_rules.CLOSED
    fakes["plans"].put(p)
    results = [plan_rules.evaluate_goal(p.goals[0], 1.0, 0.9, 1.0, 1.0)]
    fakes["plan_evaluations"].put(PlanEvaluation(
        id=f"{p.id}:2026-Q3", plan_id=p.id, manager_id=p.manager_id, branch="sh", revision=1, period_key="2026-Q3",
        period_start=date(2026, 7, 1), period_end=date(2026, 10, 1), as_of=date(2026, 10, 1), customers=4,
        comparison_customers=3, goals=results, suggestions=plan_rules.suggest(p.goals, p.actions, results)))
    return p


def test_revision_answers_every_suggestion_and_runs_the_next_period_as_version_2(fakes):
    from services.engagement import plans
    p = _closed_plan(fakes)
    with pytest.raises(Problem) as manager:
        plans.revise(p.id, p.version, [{"suggestion_id": "s1", "decision": "accept"}], "x", ALICE)
    assert manager.value.status == 403
    with pytest.raises(Problem) as unanswered:
        plans.revise(p.id, p.version, [], "下季度加密联系", SUE)
    assert unanswered.value.status == 422
    v2 = plans.revise(p.id, p.version, [{"suggestion_id": "s1", "decision": "accept"}], "下季度加密联系", SUE)
    assert (v2.revision, v2.status, v2.period_key, v2.actions) == (2, "approved", "2026-Q4",
                                                                  [{"kind": "contact", "per_customer": 3}])
    change = v2.revisions[-1]
    assert (change["by"], change["reason"], change["from_evaluation"]) == ("s-sue", "下季度加密联系", f"{p.id}:2026-Q3")
    assert change["changes"][0]["old"] == 2 and change["changes"][0]["new"] == 3
    assert fakes["plans"].events("engagement.plan.revised")[0]["data"]["revision"] == 2
    with pytest.raises(Problem) as again:                      # the running version is not closed
        plans.revise(p.id, v2.version, [], "again", SUE)
    assert again.value.status == 409


def test_a_supervisor_hands_a_task_down_and_its_owner_completes_it_once(fakes):
    from chassis import clock
    from services.engagement import plan_tasks
    due = clock.today() + timedelta(days=3)
    with pytest.raises(Problem) as manager:
        plan_tasks.hand_down({"owner_id": "m-bob", "title": "陪同办理", "due_on": due}, ALICE)
    assert manager.value.status == 403
    with pytest.raises(Problem) as far:
        plan_tasks.hand_down({"owner_id": "m-far", "title": "陪同办理", "due_on": due}, SUE)
    assert far.value.status == 422
    with pytest.raises(Problem) as past:
        plan_tasks.hand_down({"owner_id": "m-bob", "title": "x", "due_on": clock.today() - timedelta(days=1)}, SUE)
    assert past.value.status == 422
    t = plan_tasks.hand_down({"owner_id": "m-bob", "title": "陪同办理大额存单", "due_on": due}, SUE)
    assert (t.manager_id, t.kind, t.source, t.status, t.assigned_by) == ("m-bob", "handed_down", "handed_down",
                                                                        "open", "s-sue")
    [handed] = fakes["plan_tasks"].events("engagement.task.handed_down")
    assert "title" not in handed["data"]
    with pytest.raises(Problem) as hidden:
        plan_tasks.complete_by_hand(t.id, 1, None, ALICE)
    assert hidden.value.status == 404
    t = plan_tasks.complete_by_hand(t.id, 1, "已办结", BOB)
    assert (t.status, t.completed_by, t.note) == ("done", "m-bob", "已办结")
    with pytest.raises(Problem) as twice:
        plan_tasks.complete_by_hand(t.id, 2, None, BOB)
    assert twice.value.status == 409
    assert len(fakes["plan_tasks"].events("engagement.task.completed")) == 1
