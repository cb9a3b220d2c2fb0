"""Engagement rules without servers: cadence, visit states, lunar holidays, occasions, eligibility."""
from datetime import date, timedelta

import pytest

from chassis.statemachine import IllegalTransition
from services.engagement import holidays, rules


# --------------------------------------------------------------------------- cadence
def test_interval_is_the_shortest_rule_that_applies():
    r = {"tier:gold": 90, "class:hnw": 30}
    assert rules.interval_days("gold", [], r) == 90
    assert rules.interval_days("gold", ["hnw"], r) == 30
    assert rules.interval_days(None, [], {"tier:standard": 120}) == 120
    assert rules.interval_days("unknown", [], {}) == rules.FALLBACK_DAYS


def test_defaults_follow_the_domain_diamond_monthly_gold_quarterly():
    assert rules.interval_days("diamond", [], rules.DEFAULT_CADENCE) == 30
    assert rules.interval_days("gold", [], rules.DEFAULT_CADENCE) == 90
    assert rules.interval_days("standard", [], rules.DEFAULT_CADENCE) == 180
    assert rules.interval_days("private_banking", [], rules.DEFAULT_CADENCE) == 30
    assert rules.interval_days("standard", ["hnw"], rules.DEFAULT_CADENCE) == 30


@pytest.mark.parametrize("last,today,status,days", [
    (date(2026, 1, 1), date(2026, 1, 20), "ok", 0),        # due on Jan 31, outside the 7-day window
    (date(2026, 1, 1), date(2026, 1, 25), "due", 0),       # due within the window
    (date(2026, 1, 1), date(2026, 1, 31), "due", 0),       # the due day itself is not overdue
    (date(2026, 1, 1), date(2026, 2, 3), "overdue", 3),
    (None, date(2026, 1, 1), "due", 0),                    # never contacted: due now
])
def test_cadence_status(last, today, status, days):
    st = rules.cadence_status(last, 30, today)
    assert (st.status, st.days_overdue) == (status, days)


def test_never_contacted_since_a_past_date_is_overdue():
    assert rules.cadence_status(None, 30, date(2026, 3, 1), since=date(2026, 2, 1)).status == "overdue"


# --------------------------------------------------------------------------- visit state machine
@pytest.mark.parametrize("state,action,to", [
    ("planned", "start", "in_progress"), ("planned", "record", "recorded"), ("in_progress", "record", "recorded"),
    ("recorded", "evaluate", "completed"), ("planned", "cancel", "cancelled"), ("in_progress", "cancel", "cancelled"),
])
def test_legal_visit_transitions(state, action, to):
    assert rules.VISITS.next(state, action) == to


@pytest.mark.parametrize("state,action", [
    ("planned", "evaluate"), ("completed", "record"), ("completed", "cancel"), ("cancelled", "start"),
    ("recorded", "start"), ("recorded", "cancel"), ("in_progress", "start"), ("planned", "fly"),
])
def test_illegal_visit_transitions_are_refused(state, action):
    with pytest.raises(IllegalTransition):
        rules.VISITS.next(state, action)


# --------------------------------------------------------------------------- holidays (lunar via lunardate)
@pytest.mark.parametrize("year,key,expected", [
    (2024, "spring_festival", date(2024, 2, 10)), (2025, "spring_festival", date(2025, 1, 29)),
    (2026, "spring_festival", date(2026, 2, 17)), (2024, "new_years_eve", date(2024, 2, 9)),
    (2026, "new_years_eve", date(2026, 2, 16)),  # lunar month 12 of 2025 had 29 days
    (2024, "dragon_boat", date(2024, 6, 10)), (2025, "dragon_boat", date(2025, 5, 31)),
    (2024, "mid_autumn", date(2024, 9, 17)), (2025, "mid_autumn", date(2025, 10, 6)),
    (2026, "mid_autumn", date(2026, 9, 25)), (2025, "lantern", date(2025, 2, 12)),
    (2025, "qixi", date(2025, 8, 29)), (2025, "double_ninth", date(2025, 10, 29)),
    (2023, "spring_festival", date(2023, 1, 22)), (2030, "spring_festival", date(2030, 2, 3)),
    (2026, "national_day", date(2026, 10, 1)), (2026, "womens_day", date(2026, 3, 8)),
])
def test_holiday_dates(year, key, expected):
    assert holidays.by_key(year, key).date == expected


def test_a_year_has_every_holiday_once_and_in_order():
    cal = holidays.calendar(2027)
    keys = [h.key for h in cal]
    assert len(keys) == len(set(keys)) == len(holidays.LUNAR) + len(holidays.GREGORIAN) + 1
    assert [h.date for h in cal] == sorted(h.date for h in cal)
    assert all(h.date.year == 2027 for h in cal)


def test_calendar_refuses_years_outside_the_table():
    with pytest.raises(ValueError):
        holidays.calendar(2150)


def test_on_finds_the_holiday_of_a_day():
    assert [h.key for h in holidays.on(date(2025, 10, 6))] == ["mid_autumn"]
    assert holidays.on(date(2025, 10, 7)) == []


# --------------------------------------------------------------------------- care occasions
def test_occasions_birthday_anniversaries_and_holidays():
    snap = {"birth_date": "1980-05-20", "important_dates": [{"kind": "wedding", "date": "2010-09-01"}]}
    occ = {o.key: o for o in rules.occasions(snap, 2026)}
    assert occ["birthday"].date == date(2026, 5, 20)
    # named after the kind: events carry no label typed for the date
    assert occ["anniversary_0"].date == date(2026, 9, 1)
    assert occ["anniversary_0"].label == "结婚纪念日 Wedding anniversary"
    assert occ["holiday_mid_autumn"].date == date(2026, 9, 25)


def test_leap_day_birthday_falls_on_feb_28_in_common_years():
    snap = {"birth_date": date(1992, 2, 29)}
    assert next(o for o in rules.occasions(snap, 2026) if o.key == "birthday").date == date(2026, 2, 28)
    assert next(o for o in rules.occasions(snap, 2028) if o.key == "birthday").date == date(2028, 2, 29)


def test_occasions_between_spans_a_year_end():
    snap = {"birth_date": "1990-01-02"}
    keys = [(o.key, o.date) for o in rules.occasions_between(snap, date(2026, 12, 30), date(2027, 1, 3))]
    assert ("birthday", date(2027, 1, 2)) in keys and ("holiday_new_year", date(2027, 1, 1)) in keys


def test_occasions_between_is_every_occasion_in_the_range_in_order():
    # occasions_between picks holidays before building them (the worklist asks it for a
    # whole book): the same occasions, in the same order, as filtering occasions() per year
    import random
    rnd = random.Random(3)
    for _ in range(300):
        birth = date(rnd.randrange(1940, 2020), rnd.randrange(1, 13), rnd.randrange(1, 29))
        dates = [{"kind": rnd.choice(["wedding", "other", None]),
                  "date": date(rnd.randrange(1990, 2030), rnd.randrange(1, 13), rnd.randrange(1, 29))}
                 for _ in range(rnd.randrange(3))]
        snap = {"birth_date": rnd.choice([None, "", date(1992, 2, 29), birth]),
                "important_dates": dates + rnd.choice([[], ["junk"], [{"date": None}]])}
        start = date(2025, 1, 1) + timedelta(days=rnd.randrange(800))
        end = start + timedelta(days=rnd.choice([0, 1, 7, 30, 45, 400]))
        expected = [o for year in range(start.year, end.year + 1)
                    for o in rules.occasions(snap, year) if start <= o.date <= end]
        assert rules.occasions_between(snap, start, end) == expected, (snap, start, end)


def test_greeting_id_is_deterministic():
    assert rules.greeting_id("birthday", 2026, "c1") == rules.greeting_id("birthday", 2026, "c1") == "birthday:2026:c1"
    assert rules.greeting_id("birthday", 2027, "c1") != rules.greeting_id("birthday", 2026, "c1")


def test_channel_by_preference():
    assert rules.pick_channel(["fax", "wechat"]) == "wechat"
    assert rules.pick_channel([]) == "sms"


# --------------------------------------------------------------------------- gifts, budgets, activities
def test_gift_eligibility_per_tier():
    assert rules.gift_eligible([], "standard")
    assert rules.gift_eligible(["gold", "diamond"], "gold")
    assert not rules.gift_eligible(["gold", "diamond"], "standard")
    assert not rules.gift_eligible(["gold"], None)


def test_budget_check_never_goes_below_zero():
    assert rules.budget_allows(900, 100, 1000)
    assert not rules.budget_allows(901, 100, 1000)
    assert not rules.budget_allows(0, -1, 1000)


def test_period_keys_most_specific_first():
    assert rules.period_keys(date(2026, 11, 28)) == ["2026-11", "2026-Q4", "2026"]
    assert all(rules.valid_period(p) for p in rules.period_keys(date(2026, 1, 1)))
    assert not rules.valid_period("2026-13") and not rules.valid_period("2026-Q5")


def test_segment_matching():
    snap = {"tier": "gold", "classes": ["retail"], "tags": ["golf"], "manager_id": "m1", "status": "active"}
    assert rules.in_segment(snap, {})
    assert rules.in_segment(snap, {"tiers": ["gold", "diamond"], "tags": ["golf", "tea"]})
    assert not rules.in_segment(snap, {"tiers": ["diamond"]})
    assert not rules.in_segment(snap, {"classes": ["sme"]})
    assert not rules.in_segment(snap, {"manager_ids": ["m2"]})
    assert not rules.in_segment({**snap, "status": "archived"}, {})


def test_activity_budget_and_ratio():
    assert rules.activity_budget_ok(20, 500, 10_000)
    assert not rules.activity_budget_ok(21, 500, 10_000)
    assert rules.ratio(3, 4) == 0.75 and rules.ratio(1, 0) is None
