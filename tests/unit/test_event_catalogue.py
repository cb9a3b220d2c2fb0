"""The event catalogue (docs/events.md) is in step with the code."""
import importlib
import re
from pathlib import Path

import contracts  # noqa: F401  (registers every event type)
from chassis.events import catalogue
from contracts.render import render

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("customer", "engagement", "feedback")


def _handlers(service: str) -> dict:
    try:
        return importlib.import_module(f"services.{service}.handlers").HANDLERS
    except ModuleNotFoundError:
        return {}


def test_docs_events_md_is_rendered_from_the_contracts():
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert text == render(), "docs/events.md is stale: run `.venv/bin/python -m contracts.render > docs/events.md`"


def test_declared_consumers_are_exactly_the_services_that_handle_the_event():
    handled = {s: set(_handlers(s)) for s in SERVICES}
    for name, et in catalogue().items():
        actual = {s for s in SERVICES if name in handled[s]}
        assert set(et.consumers) == actual, (
            f"{name}: catalogue says {sorted(et.consumers)}, handlers in {sorted(actual)}")


def test_every_handled_event_is_in_the_catalogue():
    known = set(catalogue())
    for s in SERVICES:
        unknown = set(_handlers(s)) - known
        assert not unknown, f"{s} handles undeclared events {unknown}"


def test_every_declared_event_is_produced_by_its_producer():
    """An event in the catalogue that no code creates is documentation of nothing."""
    for module_name in ("customer", "engagement", "feedback"):
        module = importlib.import_module(f"contracts.{module_name}")
        source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "services" / module_name).rglob("*.py"))
        for var, value in vars(module).items():
            if hasattr(value, "schema") and hasattr(value, "producer") and value.producer == module_name:
                assert re.search(rf"\b{var}\.new\(", source), (
                    f"{value.name} is declared but services/{module_name} never creates it")


def test_event_names_follow_the_convention():
    for name, et in catalogue().items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+\.[a-z_]+", name), name
        assert et.version >= 1


def test_consumers_load_through_the_contract_and_ignore_fields_they_do_not_know():
    from datetime import date

    from chassis.events import Envelope, received
    from contracts import customer as customer_events
    env = customer_events.REGISTERED.new("c1", {"customer_id": "c1", "kind": "individual", "name": "张三",
                                                "birth_date": date(1980, 5, 6),
                                                "important_dates": [{"kind": "wedding", "date": "2001-02-03"}]})
    wire = env.to_dict()
    wire["data"]["added_later"] = "x"                         # a newer producer, top level
    wire["data"]["important_dates"][0]["note"] = "x"         # and nested
    data = received(Envelope.from_dict(wire)).data
    assert data["birth_date"] == date(1980, 5, 6)            # typed, not the ISO text on the wire
    assert "added_later" not in data and data["important_dates"] == [{"kind": "wedding", "date": "2001-02-03"}]


def test_a_producer_cannot_publish_a_field_the_catalogue_does_not_describe():
    import pytest

    from contracts import customer as customer_events
    with pytest.raises(ValueError, match="does not match the catalogue"):
        customer_events.REGISTERED.new("c1", {"customer_id": "c1", "kind": "individual", "name": "张三",
                                              "mobile": "13800000000"})


def test_an_event_breaking_its_contract_or_unknown_raises_on_receipt():
    import pytest
    from marshmallow import ValidationError

    from chassis.events import Envelope, received
    from contracts import customer as customer_events
    wire = customer_events.REGISTERED.new("c1", {"customer_id": "c1", "kind": "individual", "name": "张三"}).to_dict()
    wire["data"]["birth_date"] = "not a date"
    with pytest.raises(ValidationError):
        received(Envelope.from_dict(wire))
    with pytest.raises(LookupError):
        received(Envelope.from_dict({**wire, "type": "nobody.knows.this"}))
