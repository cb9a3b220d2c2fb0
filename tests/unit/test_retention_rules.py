"""Retention and effect on engagement's side as pure rules: when no contact becomes a lapse
(once per stale episode), which opened products count for an activity, the policy's bounds."""
from datetime import date

import pytest

from services.engagement import retention_rules as rules

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("last, watched, n, expected", [
    (date(2026, 8, 31), None, 90, date(2026, 8, 31)),      # exactly N days: stale
    (date(2026, 9, 1), None, 90, None),                     # one day short
    (date(2026, 1, 1), date(2025, 1, 1), 90, date(2026, 1, 1)),   # the last contact wins over watching
    (None, date(2026, 8, 1), 90, date(2026, 8, 1)),         # never contacted: measured from watching
    (None, None, 90, None),                                 # never contacted, not watched yet
    (date(2026, 12, 5), None, 1, None),                     # a contact dated after today is no lapse
    (date(2026, 11, 28), None, 1, date(2026, 11, 28)),
])
def test_a_lapse_starts_on_the_last_contact_and_counts_n_days(last, watched, n, expected):
    assert rules.lapse(last, watched, n, TODAY) == expected


def test_an_episode_is_named_by_its_start_so_a_new_contact_is_a_new_episode():
    first = rules.lapse(date(2026, 6, 1), None, 90, TODAY)
    # the same customer on later days: the same episode, the same key (raised once)
    later = rules.lapse(date(2026, 6, 1), None, 90, date(2027, 1, 15))
    assert rules.lapse_key("c-1", first) == rules.lapse_key("c-1", later) == "c-1:2026-06-01"
    # a contact on 1 December ends it; 90 days later the next one has its own key
    assert rules.lapse(date(2026, 12, 1), None, 90, date(2027, 2, 28)) is None
    nxt = rules.lapse(date(2026, 12, 1), None, 90, date(2027, 3, 1))
    assert rules.lapse_key("c-1", nxt) == "c-1:2026-12-01" != rules.lapse_key("c-1", first)


def test_products_count_for_attendees_from_the_day_to_n_days_after():
    openings = [
        {"customer_id": "a", "opened_on": "2026-11-10"},   # the activity's day: counts
        {"customer_id": "a", "opened_on": "2026-12-10"},   # day 30: counts
        {"customer_id": "a", "opened_on": "2026-12-11"},   # day 31: too late
        {"customer_id": "b", "opened_on": "2026-11-09"},   # before it: not an effect
        {"customer_id": "b", "opened_on": "2026-11-20"},
        {"customer_id": "x", "opened_on": "2026-11-20"},   # did not attend
    ]
    assert rules.products_after(["a", "b", "c"], openings, date(2026, 11, 10), 30) == {
        "products_opened": 3, "attendees_with_products": 2}
    assert rules.products_after([], openings, date(2026, 11, 10), 30) == {
        "products_opened": 0, "attendees_with_products": 0}


def test_the_policy_has_bounds():
    assert rules.policy_problems(rules.DEFAULT_POLICY) == {}
    assert rules.DEFAULT_POLICY == {"no_contact_days": 90, "products_window_days": 30}
    assert set(rules.policy_problems({"no_contact_days": 0, "products_window_days": 367})) == {
        "no_contact_days", "products_window_days"}
    assert "no_contact_days" in rules.policy_problems({"no_contact_days": True, "products_window_days": 30})
