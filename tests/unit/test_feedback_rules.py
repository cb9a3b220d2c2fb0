"""Pure rules of the feedback service: workflow, SLA, answers, CSAT/NPS, cap."""
from datetime import datetime, timedelta, timezone

import pytest

from chassis.statemachine import IllegalTransition
from services.feedback import rules

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


# --- workflow ---------------------------------------------------------------------------
@pytest.mark.parametrize("status,action,expected", [
    ("opened", "assign", "assigned"),
    ("assigned", "assign", "assigned"),
    ("in_progress", "assign", "assigned"),
    ("assigned", "start", "in_progress"),
    ("in_progress", "resolve", "resolved"),
    ("resolved", "confirm", "closed"),
    ("resolved", "reject", "in_progress"),
    ("resolved", "reopen", "in_progress"),
    ("closed", "reopen", "in_progress"),
    ("resolved", "auto_close", "closed"),
])
def test_legal_transitions(status, action, expected):
    assert rules.COMPLAINTS.next(status, action) == expected


@pytest.mark.parametrize("status,action", [
    ("opened", "start"), ("opened", "resolve"), ("opened", "confirm"), ("opened", "reopen"),
    ("assigned", "resolve"), ("in_progress", "confirm"), ("closed", "resolve"), ("closed", "assign"),
    ("closed", "confirm"), ("in_progress", "auto_close"), ("opened", "fly"),
])
def test_illegal_transitions_raise(status, action):
    with pytest.raises(IllegalTransition):
        rules.COMPLAINTS.next(status, action)


def test_allowed_actions_hide_the_timeout_close():
    assert rules.COMPLAINTS.allowed("resolved") == ["confirm", "reject", "reopen"]
    assert rules.COMPLAINTS.allowed("closed") == ["reopen"]


# --- SLA --------------------------------------------------------------------------------
def test_deadlines_by_severity_and_tier():
    d = rules.deadlines(rules.DEFAULT_SLA_TABLE, "critical", "private_banking", T0)
    assert d.response_due == T0 + timedelta(hours=1)
    assert d.resolution_due == T0 + timedelta(hours=8)
    d = rules.deadlines(rules.DEFAULT_SLA_TABLE, "critical", "gold", T0)   # no gold cell: default
    assert d.resolution_due == T0 + timedelta(hours=24)
    d = rules.deadlines(rules.DEFAULT_SLA_TABLE, "low", None, T0)
    assert (d.response_due, d.resolution_due) == (T0 + timedelta(hours=24), T0 + timedelta(hours=120))


def test_higher_tiers_never_get_longer_deadlines():
    for sev, row in rules.DEFAULT_SLA_TABLE.items():
        for tier, cell in row.items():
            assert cell["resolution_hours"] <= row["default"]["resolution_hours"], (sev, tier)


def test_custom_table_is_used():
    table = {"low": {"default": {"response_hours": 3, "resolution_hours": 5}}}
    assert rules.deadlines(table, "low", "diamond", T0).resolution_due == T0 + timedelta(hours=5)
    with pytest.raises(KeyError):
        rules.deadlines(table, "high", None, T0)


def test_sla_state_near_and_breached():
    due = T0 + timedelta(hours=10)
    assert rules.sla_state(T0 + timedelta(hours=7, minutes=59), T0, due, 0.8) == "ok"
    assert rules.sla_state(T0 + timedelta(hours=8), T0, due, 0.8) == "near"
    assert rules.sla_state(due, T0, due, 0.8) == "breached"


def test_due_checks_only_for_open_complaints_and_unanswered_response():
    r_due, s_due = T0 + timedelta(hours=2), T0 + timedelta(hours=24)
    late = T0 + timedelta(hours=30)
    assert rules.due_checks("in_progress", T0, r_due, s_due, False, late, 0.8) == [
        ("response", "breached"), ("resolution", "breached")]
    assert rules.due_checks("in_progress", T0, r_due, s_due, True, late, 0.8) == [("resolution", "breached")]
    assert rules.due_checks("resolved", T0, r_due, s_due, False, late, 0.8) == []
    assert rules.due_checks("opened", T0, r_due, s_due, False, T0 + timedelta(hours=1, minutes=40), 0.8) == [
        ("response", "near")]
    assert rules.breach_key("c1", "resolution", 2) == "c1:resolution:2"


def test_sla_table_validation_names_the_cell():
    good = {s: {"default": {"response_hours": 1, "resolution_hours": 2}} for s in rules.SEVERITIES}
    assert rules.validate_sla_table(good) == {}
    bad = {**good, "high": {"default": {"response_hours": 5, "resolution_hours": 2},
                            "bronze": {"response_hours": 1, "resolution_hours": 2}}}
    errs = rules.validate_sla_table(bad)
    assert "table.high.default" in errs and "table.high.bronze" in errs
    missing = {k: v for k, v in good.items() if k != "low"}
    assert "table.low" in rules.validate_sla_table(missing)


# --- surveys ----------------------------------------------------------------------------
QUESTIONS = [
    {"key": "sat", "type": "rating", "text": "?", "required": True},
    {"key": "rec", "type": "nps", "text": "?", "required": True},
    {"key": "chan", "type": "single", "text": "?", "options": ["app", "branch"], "required": True},
    {"key": "topics", "type": "multiple", "text": "?", "options": ["a", "b", "c"], "required": False},
    {"key": "comment", "type": "text", "text": "?", "required": False},
]


def test_valid_answers_pass():
    assert rules.validate_answers(QUESTIONS, {"sat": 5, "rec": 0, "chan": "app", "topics": ["a", "c"],
                                              "comment": "好"}) == {}
    assert rules.validate_answers(QUESTIONS, {"sat": 1, "rec": 10, "chan": "branch"}) == {}


@pytest.mark.parametrize("answers,field", [
    ({"rec": 5, "chan": "app"}, "answers.sat"),
    ({"sat": 6, "rec": 5, "chan": "app"}, "answers.sat"),
    ({"sat": 0, "rec": 5, "chan": "app"}, "answers.sat"),
    ({"sat": True, "rec": 5, "chan": "app"}, "answers.sat"),
    ({"sat": 4.5, "rec": 5, "chan": "app"}, "answers.sat"),
    ({"sat": 4, "rec": 11, "chan": "app"}, "answers.rec"),
    ({"sat": 4, "rec": -1, "chan": "app"}, "answers.rec"),
    ({"sat": 4, "rec": 5, "chan": "mail"}, "answers.chan"),
    ({"sat": 4, "rec": 5, "chan": "app", "topics": ["a", "z"]}, "answers.topics"),
    ({"sat": 4, "rec": 5, "chan": "app", "topics": ["a", "a"]}, "answers.topics"),
    ({"sat": 4, "rec": 5, "chan": "app", "topics": "a"}, "answers.topics"),
    ({"sat": 4, "rec": 5, "chan": "app", "comment": "x" * 2001}, "answers.comment"),
    ({"sat": 4, "rec": 5, "chan": "app", "extra": 1}, "answers.extra"),
])
def test_invalid_answers_name_the_question(answers, field):
    assert field in rules.validate_answers(QUESTIONS, answers)


def test_template_validation():
    assert rules.validate_template(QUESTIONS) == {}
    assert "questions" in rules.validate_template([])
    dup = [QUESTIONS[0], QUESTIONS[0]]
    assert "questions.1.key" in rules.validate_template(dup)
    one_option = [{"key": "x", "type": "single", "text": "?", "options": ["only"]}]
    assert "questions.0.options" in rules.validate_template(one_option)
    assert "questions.0.options" in rules.validate_template(
        [{"key": "x", "type": "rating", "text": "?", "options": ["a", "b"]}])


def test_headline_scores_take_first_rating_and_nps():
    qs = [{"key": "a", "type": "rating"}, {"key": "b", "type": "rating"}, {"key": "n", "type": "nps"}]
    assert rules.headline_scores(qs, {"a": 2, "b": 5, "n": 9}) == {"csat": 2, "nps": 9}
    assert rules.headline_scores(qs, {"b": 5}) == {"csat": 5, "nps": None}


# --- CSAT / NPS arithmetic ----------------------------------------------------------------
def test_csat_is_share_of_four_and_five():
    ratings = [5, 4, 3, 2, 5, 1, 4, 4]
    sums = {"responses": len(ratings)}
    for r in ratings:
        for k, v in rules.counters(r, None).items():
            sums[k] = sums.get(k, 0) + v
    f = rules.figures(sums)
    assert f["csat"] == 0.625          # 5 of 8
    assert f["csat_mean"] == 3.5
    assert f["nps"] is None and f["nps_n"] == 0


def test_nps_is_promoters_minus_detractors():
    scores = [10, 9, 9, 8, 7, 6, 0, 3, 10, 9]   # 5 promoters, 3 detractors, 2 passives
    sums = {}
    for s in scores:
        for k, v in rules.counters(None, s).items():
            sums[k] = sums.get(k, 0) + v
    assert sums["nps_promoters"] == 5 and sums["nps_detractors"] == 3
    assert rules.figures(sums)["nps"] == 20.0
    assert rules.nps(0, 4, 4) == -100.0 and rules.nps(3, 0, 3) == 100.0


def test_figures_from_grouped_value_counts_match_per_response_arithmetic():
    # what the $group by (csat, nps) returns: value pairs with their counts
    rows = [(5, 10, 3), (4, None, 2), (2, 6, 1), (None, 8, 4), (3, 0, 2)]
    f = rules.figures(rules.sums_from_counts(rows))
    assert f["responses"] == 12
    assert f["csat_n"] == 8 and f["csat"] == round(5 / 8, 4)           # 3×5 + 2×4 satisfied of 8
    assert f["csat_mean"] == round((15 + 8 + 2 + 6) / 8, 2)
    assert f["nps_n"] == 10 and f["nps"] == round(100 * (3 - 3) / 10, 1)  # 3 promoters, 1+2 detractors


def test_no_answers_give_no_figures_not_zero():
    assert rules.csat(0, 0) is None and rules.nps(0, 0, 0) is None
    assert rules.figures({}) ["csat"] is None


def test_satisfaction_level_and_periods():
    assert rules.satisfaction_level(5, None) == "satisfied"
    assert rules.satisfaction_level(3, 10) == "neutral"        # rating wins over NPS
    assert rules.satisfaction_level(None, 6) == "dissatisfied"
    assert rules.satisfaction_level(None, None) is None
    assert rules.period_of(T0) == "2026-03"
    assert rules.period_of(T0, "quarter") == "2026-Q1"
    assert rules.period_of(T0, "week") == "2026-W09"


# --- follow-up cap ------------------------------------------------------------------------
def test_cap_counts_only_the_window():
    now = T0
    assert rules.cap_allows([], now, 30, 1)
    assert not rules.cap_allows([now - timedelta(days=29)], now, 30, 1)
    assert rules.cap_allows([now - timedelta(days=31)], now, 30, 1)
    assert rules.cap_allows([now - timedelta(days=1)], now, 30, 2)
    assert not rules.cap_allows([now - timedelta(days=1), now - timedelta(days=2)], now, 30, 2)


def test_cap_slots_are_deterministic_per_window():
    a = rules.cap_slot("c1", T0, 30, 1, 0)
    assert a == rules.cap_slot("c1", T0 + timedelta(seconds=5), 30, 1, 0)
    assert a != rules.cap_slot("c2", T0, 30, 1, 0)
    assert a != rules.cap_slot("c1", T0 + timedelta(days=31), 30, 1, 0)
