"""Input validation of the engagement API, without servers."""
from datetime import date

import pytest
from marshmallow import ValidationError

from services.engagement import schemas


def _errors(schema, data):
    with pytest.raises(ValidationError) as e:
        schema().load(data)
    return e.value.messages


def test_interaction_needs_a_known_channel_and_a_purpose():
    errs = _errors(schemas.InteractionIn, {"customer_id": "c1", "channel": "pigeon"})
    assert "channel" in errs and "purpose" in errs


def test_interaction_refuses_unknown_fields():
    assert "mood" in _errors(schemas.InteractionIn, {"customer_id": "c", "channel": "phone", "purpose": "p", "mood": 1})


def test_naive_times_are_taken_as_utc():
    d = schemas.InteractionIn().load({"customer_id": "c", "channel": "wechat", "purpose": "p",
                                      "occurred_at": "2026-01-02T03:04:05"})
    assert d["occurred_at"].utcoffset().total_seconds() == 0


def test_visit_rating_is_one_to_five():
    assert "rating" in _errors(schemas.VisitEvaluateIn, {"outcome": "x", "objective_met": True, "rating": 6})


def test_budget_period_format():
    assert "period" in _errors(schemas.BudgetIn, {"branch": "sh", "period": "2026-13", "amount_cents": 1})
    assert schemas.BudgetIn().load({"branch": "sh", "period": "2026-Q4", "amount_cents": 1})["period"] == "2026-Q4"


def test_issue_needs_an_idempotency_key():
    errs = _errors(schemas.IssueIn, {"customer_id": "c", "reason": "birthday", "request_id": "x"})
    assert "request_id" in errs


def test_activity_capacity_times_cost_must_fit_the_budget():
    base = {"name": "理财沙龙", "type": "wealth_salon", "starts_at": "2026-12-01T10:00:00+08:00", "capacity": 30,
            "budget_cents": 10_000, "cost_per_head_cents": 500}
    assert "budget_cents" in _errors(schemas.ActivityIn, base)
    assert schemas.ActivityIn().load({**base, "capacity": 20})["capacity"] == 20
    assert "type" in _errors(schemas.ActivityIn, {**base, "capacity": 20, "type": "karaoke"})


def test_stats_range_must_be_ordered():
    assert "to" in _errors(schemas.StatsQuery, {"manager_ids": "m1", "from": "2026-02-01", "to": "2026-01-01"})


@pytest.mark.parametrize("day", ["0001-01-01", "1900-12-31", "2100-01-01", "9999-12-31"])
def test_days_beyond_the_holiday_calendar_are_refused(day):
    assert "date" in _errors(schemas.ManagerDateQuery, {"date": day})
    assert "to" in _errors(schemas.StatsQuery, {"manager_ids": "m", "from": "2026-01-01", "to": day})


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00",
                                  "2099-12-31T23:59:00-12:00"])   # the last is 2100 in UTC
def test_times_beyond_the_supported_years_are_refused(when):
    assert "scheduled_at" in _errors(schemas.VisitPlanIn, {"customer_id": "c", "scheduled_at": when, "objective": "o"})


def test_day_arithmetic_holds_at_the_bounds():
    """What the services do with a day (UTC bounds, the cadence window, the holiday
    calendar) works on the first and last day the schemas accept."""
    from chassis import clock
    from services.engagement import holidays, rules
    for day in (date(1901, 1, 1), date(2099, 12, 31)):
        schemas.ManagerDateQuery().load({"date": day.isoformat()})
        clock.day_bounds(day)
        rules.cadence_status(None, 3660, day)
        rules.cadence_status(day, 3660, day)
        assert holidays.calendar(day.year)
