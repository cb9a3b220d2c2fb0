"""Schema validation of the feedback service's inputs (no servers)."""
import pytest
from marshmallow import ValidationError

from services.feedback import rules, schemas


def test_complaint_requires_known_severity_and_category():
    with pytest.raises(ValidationError) as e:
        schemas.ComplaintIn().load({"customer_id": "c", "severity": "urgent", "category": "food",
                                    "channel": "phone", "summary": "x"})
    assert set(e.value.messages) == {"severity", "category"}


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError) as e:
        schemas.FeedbackIn().load({"channel": "phone", "category": "praise", "content": "好", "mood": 1})
    assert "mood" in e.value.messages


def test_survey_question_keys_cannot_hold_dots_or_dollars():
    for key in ("a.b", "$x", "Has Space"):
        with pytest.raises(ValidationError) as e:
            schemas.SurveyIn().load({"name": "s", "questions": [{"key": key, "type": "text", "text": "?"}]})
        assert "questions" in e.value.messages


def test_survey_choice_needs_options():
    with pytest.raises(ValidationError) as e:
        schemas.SurveyIn().load({"name": "s", "questions": [{"key": "a", "type": "single", "text": "?"}]})
    assert "questions.0.options" in e.value.messages


def test_sla_policy_checks_the_table():
    table = {s: {"default": {"response_hours": 1, "resolution_hours": 4}} for s in rules.SEVERITIES}
    ok = schemas.SlaPolicy().load({"table": table, "near_fraction": 0.75, "confirm_timeout_hours": 48})
    assert ok["near_fraction"] == 0.75
    table["low"]["default"] = {"response_hours": 9, "resolution_hours": 4}
    with pytest.raises(ValidationError) as e:
        schemas.SlaPolicy().load({"table": table, "near_fraction": 0.75, "confirm_timeout_hours": 48})
    assert "table.low.default" in e.value.messages


def test_range_query_order():
    with pytest.raises(ValidationError) as e:
        schemas.RangeQuery().load({"from": "2026-05-01", "to": "2026-04-01"})
    assert "to" in e.value.messages
