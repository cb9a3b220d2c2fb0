"""Pure rules of the customer service: identifiers, tiers, dates, risk scoring, filters."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from chassis.identity import Identity
from services.customer import queries, risk, rules
from services.customer.validators import (
    birth_date_from_resident_id,
    resident_id_check_char,
    resident_id_problem,
    uscc_check_char,
    uscc_problem,
)

ROOT = Path(__file__).resolve().parents[2]


# -- GB 11643 / GB 32100 ------------------------------------------------------------
def test_resident_id_check_digit_known_examples():
    assert resident_id_problem("11010519491231002X") is None      # the standard's own example
    assert resident_id_check_char("11010519491231002") == "X"
    assert "check digit" in resident_id_problem("110105194912310021")


@pytest.mark.parametrize("bad", ["", "1234", "11010519491231002x", "01010519491231002X",
                                 "110105194913310021", "11010521991231002X"])
def test_resident_id_rejects_malformed(bad):
    assert resident_id_problem(bad) is not None


def test_birth_date_is_read_from_the_id_number():
    assert birth_date_from_resident_id("11010519491231002X") == date(1949, 12, 31)


def test_uscc_check_char():
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert "check character" in uscc_problem("91350100M000100Y44")
    assert uscc_problem("91350100M000100I43") is not None   # I is not in the charset
    assert uscc_problem("9135") is not None


# -- tiers ------------------------------------------------------------------------------
def test_tier_is_the_highest_whose_thresholds_are_all_met():
    rs = [{"tier": "standard"}, {"tier": "gold", "min_aum_cents": 100},
          {"tier": "platinum", "min_aum_cents": 1000, "min_products_held": 3}]
    assert rules.compute_tier({}, rs) == "standard"
    assert rules.compute_tier({"aum_cents": 100}, rs) == "gold"
    assert rules.compute_tier({"aum_cents": 5000}, rs) == "gold"          # products missing
    assert rules.compute_tier({"aum_cents": 5000, "products_held": 3}, rs) == "platinum"


def test_default_rules_are_valid_and_rising():
    assert rules.tier_rules_problems(rules.DEFAULT_TIER_RULES) == {}
    assert rules.compute_tier({"aum_cents": 6_000_000_00}, rules.DEFAULT_TIER_RULES) == "private_banking"


def test_tier_rules_problems():
    assert "rules" in rules.tier_rules_problems([{"tier": "gold", "min_aum_cents": 1}])   # no standard
    assert "rules" in rules.tier_rules_problems([{"tier": "standard"}, {"tier": "gold", "min_aum_cents": 5},
                                                 {"tier": "platinum", "min_aum_cents": 5}])
    assert "rules" in rules.tier_rules_problems([{"tier": "gold"}, {"tier": "standard"}])


# -- dates -----------------------------------------------------------------------------
def test_add_months_clamps_to_month_end():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert rules.add_months(date(2025, 3, 15), -12) == date(2024, 3, 15)
    assert rules.risk_valid_until(date(2025, 6, 1), 12) == date(2026, 6, 1)


def test_reverification_due_after_the_configured_months():
    today = date(2026, 6, 15)
    assert rules.reverification_due(None, today, 12)
    assert rules.reverification_due(datetime(2025, 6, 14, tzinfo=timezone.utc), today, 12)
    assert not rules.reverification_due(datetime(2025, 6, 16, tzinfo=timezone.utc), today, 12)
    assert not rules.reverification_due(datetime(2026, 1, 1), today, 12)
    assert rules.reverification_due(datetime(2026, 1, 1, tzinfo=timezone.utc), today, 3)


def test_birthday_ranges_including_year_wrap():
    assert rules.birthday_ranges(date(2026, 3, 1), date(2026, 3, 7)) == [("0301", "0307")]
    assert rules.birthday_ranges(date(2026, 12, 28), date(2027, 1, 3)) == [("1228", "1231"), ("0101", "0103")]
    assert rules.birthday_ranges(date(2026, 1, 1), date(2027, 1, 1)) is None
    assert rules.birthday_ranges(date(2027, 2, 27), date(2027, 3, 1)) == [("0227", "0301")]  # 0229 inside
    with pytest.raises(ValueError):
        rules.birthday_ranges(date(2026, 3, 2), date(2026, 3, 1))


def test_age():
    assert rules.age_on(date(1990, 6, 15), date(2026, 6, 14)) == 35
    assert rules.age_on(date(1990, 6, 15), date(2026, 6, 15)) == 36


# -- risk --------------------------------------------------------------------------------
def _answers(option_index):
    return {qid: list(opts)[min(option_index, len(opts) - 1)] for qid, _, opts in risk.QUESTIONS}


def test_risk_score_bands_and_caps():
    all_best = {qid: max(opts, key=lambda k: opts[k][1]) for qid, _, opts in risk.QUESTIONS}
    assert risk.score(all_best) == (100, "C5")
    all_worst = {qid: min(opts, key=lambda k: opts[k][1]) for qid, _, opts in risk.QUESTIONS}
    assert risk.score(all_worst)[1] == "C1"
    capped = {**all_best, "loss_tolerance": "a"}
    assert risk.score(capped) == (90, "C1")
    senior = {**all_best, "age": "e"}
    assert risk.score(senior)[1] == "C3"


@pytest.mark.parametrize("points,level", [(0, "C1"), (20, "C1"), (21, "C2"), (40, "C2"), (41, "C3"),
                                          (61, "C4"), (80, "C4"), (81, "C5")])
def test_band_edges(points, level):
    got = "C1"
    for lo, lvl in risk.BANDS:
        if points >= lo:
            got = lvl
    assert got == level


def test_answers_problems_name_the_question():
    answers = _answers(1)
    assert risk.answers_problems(answers) == {}
    del answers["age"]
    answers["horizon"] = "z"
    answers["bogus"] = "a"
    errors = risk.answers_problems(answers)
    assert set(errors) == {"age", "horizon", "bogus"}


def test_suitability():
    assert risk.suitable("C3", "R3") and risk.suitable("C5", "R1")
    assert not risk.suitable("C2", "R3")
    assert not risk.suitable(None, "R1")


def test_questionnaire_doc_matches_the_code():
    doc = (ROOT / "docs" / "risk-questionnaire.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (\w+) \| [^|]+ \| (\w) \| [^|]+ \| (\d+) \|$", doc, re.M))
    code = {(qid, k, str(pts)) for qid, _, opts in risk.QUESTIONS for k, (_, pts) in opts.items()}
    assert rows == code
    for lo, lvl in risk.BANDS:
        assert re.search(rf"^\| {lo}–\d+ \| {lvl} \|", doc, re.M), (lo, lvl)
    for (q, o), lvl in risk.CAPS.items():
        assert f"| {q} | {o} | {lvl} |" in doc


# -- filters -------------------------------------------------------------------------------
def test_visibility_by_role():
    assert queries.visibility(Identity("m1", "manager")) == {"manager_id": {"$in": ["m1"]}}
    assert queries.visibility(Identity("s1", "supervisor", team=("m2", "m1"))) == \
        {"manager_id": {"$in": ["m1", "m2", "s1"]}}
    assert queries.visibility(Identity("a", "admin")) == {}
    assert queries.visibility(Identity("a", "admin", branch="b1")) == {"branch": "b1"}   # no branch-less records
    assert queries.visibility(Identity("x", "auditor")) == {"manager_id": {"$in": []}}


def test_customer_filter_uses_the_unique_key_fields():
    who = Identity("a", "admin")
    f = queries.customer_filter({"mobile": "13800001111"}, who, date(2026, 1, 1), 12)
    assert f == {"mobile_key": "13800001111"}
    f = queries.customer_filter({"id_number": "11010519491231002x"}, who, date(2026, 1, 1), 12)
    assert f == {"id_key": "resident_id:11010519491231002X"}
    f = queries.customer_filter({"id_number": "E1234567"}, who, date(2026, 1, 1), 12)
    assert "passport:E1234567" in f["id_key"]["$in"]
    f = queries.customer_filter({"id_number": "E1234567", "id_type": "passport"}, who, date(2026, 1, 1), 12)
    assert f == {"id_key": "passport:E1234567"}
    f = queries.customer_filter({"name": "王.", "tier": "gold"}, who, date(2026, 1, 1), 12)
    assert {"name": {"$regex": "^王\\."}} in f["$and"] and {"tier": "gold"} in f["$and"]


def test_customer_filter_birthday_wrap_and_reverify():
    who = Identity("a", "admin")
    f = queries.customer_filter({"birthday_from": date(2026, 12, 30), "birthday_to": date(2027, 1, 2),
                                 "reverification_due": True}, who, date(2026, 6, 15), 12)
    assert {"$or": [{"birth_mmdd": {"$gte": "1230", "$lte": "1231"}},
                    {"birth_mmdd": {"$gte": "0101", "$lte": "0102"}}]} in f["$and"]
    assert {"last_confirmed_at": {"$lt": rules.reverify_cutoff(date(2026, 6, 15), 12)}} in f["$and"]


def test_a_manager_id_filter_only_narrows_what_the_caller_sees():
    f = queries.customer_filter({"manager_id": "m2"}, Identity("m1", "manager"), date(2026, 1, 1), 12)
    assert f == {"$and": [{"manager_id": {"$in": ["m1"]}}, {"manager_id": "m2"}]}   # matches nothing
