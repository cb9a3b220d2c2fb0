"""Next best action (下一步最佳行动): the score and the ranking, pure (services/engagement/nba_rules.py).

The book below is constructed so each customer is there for one kind of reason; the test
pins the exact order and reasons under the default weights, and shows that a branch's
weights change it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.engagement import nba_rules as rules
from services.engagement.nba_rules import DEFAULT_WEIGHTS, Facts

DAY = date(2026, 6, 30)


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


VALID = date(2027, 3, 1)
BOOK = [
    Facts("pb-complaint", tier="private_banking", aum_band="10m_plus", risk_level="C4", risk_valid_until=VALID,
          last_contact=ago(10), open_complaints=1),
    Facts("dia-stale", tier="diamond", aum_band="1m_10m", risk_level="C3", risk_valid_until=VALID,
          last_contact=ago(120)),
    Facts("gold-churn", tier="gold", aum_band="100k_1m", risk_level="C2", risk_valid_until=VALID,
          last_contact=ago(45), churn_signals=("dormant", "aum_falling")),
    Facts("std-never", tier="standard", aum_band=None, risk_level=None, risk_valid_until=None, last_contact=None),
    Facts("plat-expiring", tier="platinum", aum_band="100k_1m", risk_level="C3",
          risk_valid_until=DAY + timedelta(days=10), last_contact=ago(5)),
    Facts("gold-task", tier="gold", aum_band="10k_100k", risk_level="C2", risk_valid_until=VALID,
          last_contact=ago(3), tasks_due=1, tasks_overdue=1),
    Facts("dia-quiet", tier="diamond", aum_band="1m_10m", risk_level="C3", risk_valid_until=VALID,
          last_contact=ago(2)),
    Facts("std-expired", tier="standard", aum_band="under_10k", risk_level="C1", risk_valid_until=date(2026, 5, 1),
          last_contact=ago(20)),
    Facts("copy-before-risk", tier="gold", risk_known=False, last_contact=ago(1)),
]


def codes(item) -> list[str]:
    return [r["code"] for r in item.reasons]


def test_the_constructed_book_ranks_in_this_exact_order_with_these_reasons():
    ranked = rules.rank(BOOK, DAY, DEFAULT_WEIGHTS)
    assert [(i.customer_id, i.total, codes(i)) for i in ranked] == [
        ("pb-complaint", 31.2, ["open_complaint"]),                     # 6.5 × (1+3) × (1+0.2)
        ("gold-churn", 23.75, ["churn_signal", "no_recent_contact"]),   # 2.5 × (1+4) × (1+0.9)
        ("dia-stale", 15.0, ["no_recent_contact"]),                     # 5 × 1 × (1+2, capped)
        ("std-never", 9.0, ["risk_assessment_missing", "never_contacted"]),   # 1 × 3 × 3
        ("plat-expiring", 7.7, ["risk_assessment_expiring"]),           # 3.5 × 2 × 1.1
        ("gold-task", 5.385, ["tasks_due", "tasks_overdue"]),           # 2.25 × 1 × 1.06 + 1 + 2
        ("std-expired", 4.2, ["risk_assessment_expired"]),              # 1 × 3 × 1.4
    ]
    # contacted lately and nothing wrong: value alone never lists a customer; a copy made before
    # the risk fields travelled says nothing about the assessment either way
    assert {i.customer_id for i in ranked}.isdisjoint({"dia-quiet", "copy-before-risk"})


def test_every_item_carries_its_score_parts_and_the_facts_behind_each_reason():
    by_id = {i.customer_id: i.as_dict() for i in rules.rank(BOOK, DAY, DEFAULT_WEIGHTS)}
    churn = by_id["gold-churn"]
    assert churn["score"] == {"value": 2.5, "risk": 4.0, "staleness": 0.9, "task": 0.0, "total": 23.75}
    assert churn["reasons"] == [
        {"code": "churn_signal", "part": "risk", "points": 4.0, "count": 2, "kinds": ["aum_falling", "dormant"]},
        {"code": "no_recent_contact", "part": "staleness", "points": 0.9, "days": 45}]
    assert churn["days_since_contact"] == 45 and churn["aum_band"] == "100k_1m"
    assert by_id["plat-expiring"]["reasons"] == [{"code": "risk_assessment_expiring", "part": "risk",
                                                  "points": 1.0, "date": "2026-07-10", "days": 10}]
    assert by_id["std-expired"]["reasons"][0]["date"] == "2026-05-01"
    never = by_id["std-never"]
    assert never["days_since_contact"] is None and never["score"]["staleness"] == 2.0
    task = by_id["gold-task"]["score"]
    assert task["task"] == 3.0 and task["total"] == pytest.approx(task["value"] * (1 + task["risk"])
                                                                  * (1 + task["staleness"]) + task["task"])


def test_a_branch_that_weighs_complaints_less_and_staleness_more_reorders_the_book():
    w = rules.merge(DEFAULT_WEIGHTS, {"risk": {"open_complaint": 0.5}, "staleness": {"per_day": 0.1, "max": 5.0}})
    assert w["risk"]["churn_signal"] == DEFAULT_WEIGHTS["risk"]["churn_signal"]   # the rest kept
    order = [i.customer_id for i in rules.rank(BOOK, DAY, w)]
    # dia-stale: 5 × 1 × (1+5) = 30 now beats pb-complaint: 6.5 × 1.5 × 2 = 19.5
    assert order[:3] == ["gold-churn", "dia-stale", "pb-complaint"]


def test_complaints_and_churn_kinds_count_up_to_max_count():
    many = Facts("c", tier="standard", risk_level="C1", risk_valid_until=VALID, last_contact=ago(1),
                 open_complaints=7, churn_signals=("a", "b", "c", "d"))
    item = rules.score(many, DAY, DEFAULT_WEIGHTS)
    assert item.risk == 3 * 3.0 + 3 * 2.0 and item.reasons[0]["count"] == 7


def test_ties_break_on_value_then_id_and_the_limit_cuts_the_list():
    a = Facts("b-std", tier="standard", risk_level="C1", risk_valid_until=VALID, last_contact=ago(1), tasks_due=3)
    b = Facts("a-std", tier="standard", risk_level="C1", risk_valid_until=VALID, last_contact=ago(1), tasks_due=3)
    assert [i.customer_id for i in rules.rank([a, b], DAY, DEFAULT_WEIGHTS)] == ["a-std", "b-std"]
    assert len(rules.rank(BOOK, DAY, {**DEFAULT_WEIGHTS, "limit": 2})) == 2


def test_weights_are_checked_whole():
    assert rules.weight_problems(DEFAULT_WEIGHTS) == {}
    bad = rules.merge(DEFAULT_WEIGHTS, {"tier": {"gold": -1}, "risk": {"max_count": 0}, "limit": 0,
                                        "staleness": {"per_day": True}})
    problems = rules.weight_problems(bad)
    assert {"tier.gold", "risk.max_count", "limit", "staleness.per_day"} <= set(problems)
    assert "tier" in rules.weight_problems(rules.merge(DEFAULT_WEIGHTS, {"tier": {"bronze": 1}}))
    assert "_schema" in rules.weight_problems({**DEFAULT_WEIGHTS, "colour": 1})


def test_aum_travels_as_a_band_never_as_the_figure():
    from contracts.customer import aum_band
    assert [aum_band(x) for x in (None, 0, 9_999_99, 10_000_00, 300_000_00, 1_000_000_00, 10**12)] == \
        [None, "under_10k", "under_10k", "10k_100k", "100k_1m", "1m_10m", "10m_plus"]
