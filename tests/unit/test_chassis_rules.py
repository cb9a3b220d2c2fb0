"""Chassis pieces that need no server: envelope, identity, masking, cursors, redaction, problems."""
import logging
from datetime import datetime

import pytest
from marshmallow import Schema, ValidationError, fields

from chassis import identity as ident
from chassis.errors import Problem
from chassis.events.envelope import Envelope, EventType
from chassis.http import decode_cursor, encode_cursor, keyset_filter
from chassis.logs import RedactingFilter, redact
from chassis.schemas import StrictBoolean, StrictFloat, StrictInteger
from chassis.store import diff


class _Data(Schema):
    name = fields.String(required=True)


PROBE = EventType("probe.thing.happened", 2, "probe", "test", _Data)


def test_envelope_carries_every_field_and_round_trips():
    env = PROBE.new("s-1", {"name": "x"}, correlation_id="c-1")
    d = env.to_dict()
    assert {"id", "type", "version", "occurred_at", "source", "subject", "correlation_id", "data"} <= d.keys()
    assert d["type"] == "probe.thing.happened" and d["version"] == 2 and d["source"] == "probe"
    assert d["occurred_at"].endswith("Z")
    assert Envelope.from_dict(d).to_dict() == d


def test_event_data_must_match_its_catalogue_schema():
    with pytest.raises(ValueError):
        PROBE.new("s-1", {"nom": "x"})


def test_envelope_without_required_fields_is_rejected():
    with pytest.raises(ValidationError):
        Envelope.from_dict({"type": "x"})


def test_identity_token_round_trip_and_tampering():
    who = ident.Identity("u1", ident.SUPERVISOR, branch="b1", team=("m1", "m2"))
    tok = ident.issue(who, "s" * 40)
    assert ident.verify(tok, "s" * 40) == who
    with pytest.raises(Problem) as e:
        ident.verify(tok, "t" * 40)
    assert e.value.status == 401
    head, body, sig = tok.split(".")
    with pytest.raises(Problem):
        ident.verify(f"{head}.{body}.{sig[::-1]}", "s" * 40)


def test_expired_identity_is_refused():
    tok = ident.issue(ident.Identity("u1", ident.MANAGER), "s" * 40, ttl=-5)
    with pytest.raises(Problem):
        ident.verify(tok, "s" * 40)


@pytest.mark.parametrize("who,manager,visible", [
    (ident.Identity("m1", ident.MANAGER), "m1", True),
    (ident.Identity("m1", ident.MANAGER), "m2", False),
    (ident.Identity("s1", ident.SUPERVISOR, team=("m1",)), "m1", True),
    (ident.Identity("s1", ident.SUPERVISOR, team=("m1",)), "m3", False),
    (ident.Identity("a1", ident.ADMIN), "m3", True),
    (ident.Identity("x", ident.AUDITOR), "m1", False),
])
def test_ownership_rules(who, manager, visible):
    assert who.can_see(manager) is visible
    if not visible:
        with pytest.raises(Problem) as e:
            who.ensure_can_see(manager)
        assert e.value.status == 404  # no existence leak


def test_admin_is_limited_to_its_branch():
    admin = ident.Identity("a1", ident.ADMIN, branch="sh")
    assert admin.can_see("m1", "sh") and not admin.can_see("m1", "bj")


def test_unmask_needs_the_right_and_a_purpose():
    assert not ident.Identity("m", ident.MANAGER, unmask=True).may_unmask
    assert ident.Identity("m", ident.MANAGER, unmask=True, purpose="KYC review").may_unmask


def test_redaction_hides_mobiles_and_id_numbers():
    text = "mobile 13812345678 id 11010119900307123X order 12345"
    out = redact(text)
    assert "13812345678" not in out and "11010119900307123X" not in out and "12345" in out


def test_redacting_filter_rewrites_the_record():
    rec = logging.LogRecord("x", logging.INFO, "", 0, "found %s", ("13812345678",), None)
    RedactingFilter().filter(rec)
    assert "13812345678" not in rec.getMessage()


def test_cursor_round_trip_keeps_datetimes():
    values = [datetime(2026, 1, 2, 3, 4, 5), "abc", 3]
    assert decode_cursor(encode_cursor(values)) == values


def test_bad_cursor_is_a_400():
    with pytest.raises(Problem) as e:
        decode_cursor("not-a-cursor!!")
    assert e.value.status == 400


def test_keyset_filter_orders_ties_by_the_next_key():
    f = keyset_filter([("name", 1), ("_id", 1)], ["b", "7"])
    assert f == {"$or": [{"name": {"$gt": "b"}}, {"name": "b", "_id": {"$gt": "7"}}]}


def test_diff_lists_changed_fields_only():
    assert diff({"a": 1, "b": 2, "version": 1}, {"a": 1, "b": 3, "c": 4, "version": 2}) == [
        {"field": "b", "old": 2, "new": 3}, {"field": "c", "old": None, "new": 4}]


def test_the_contract_documents_problem_json_on_every_operation():
    """Errors are documented as we send them: application/problem+json with the Problem schema."""
    import os
    os.environ.setdefault("CRM_DEV_MODE", "1")
    from services.customer.app import create_app
    spec = create_app().test_client().get("/api/openapi.json").get_json()
    assert set(spec["components"]["responses"]["NOT_FOUND"]["content"]) == {"application/problem+json"}
    assert {"type", "title", "status"} <= set(spec["components"]["schemas"]["Problem"]["required"])
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert {"401", "500", "default"} <= set(op["responses"]), (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)


@pytest.mark.parametrize("field, good, bad", [
    (StrictInteger, [0, 5, -3], ["5", 5.0, True, None]),
    (StrictFloat, [0.8, 1, -2.5], ["0.8", True, float("nan"), float("inf"), None]),
    (StrictBoolean, [True, False], [1, 0, "yes", "true", None]),
])
def test_strict_fields_take_only_their_json_type(field, good, bad):
    class Body(Schema):
        x = field()
    for value in good:
        assert Body().load({"x": value}) == {"x": value}
    for value in bad:
        with pytest.raises(ValidationError):
            Body().load({"x": value})


def test_one_state_machine_for_every_workflow():
    from chassis.statemachine import IllegalTransition, StateMachine
    door = StateMachine("door", {"open": (("shut",), "open"), "shut": (("open",), "shut"),
                                 "lock_by_timer": (("shut",), "locked")}, internal=frozenset({"lock_by_timer"}))
    assert door.next("shut", "open") == "open"
    assert door.allowed("shut") == ["open"] and door.actions == ["open", "shut"]   # system-only hidden
    assert door.next("shut", "lock_by_timer") == "locked"                         # ...yet takeable
    with pytest.raises(IllegalTransition, match="Cannot open a door that is locked") as exc:
        door.next("locked", "open")
    assert (exc.value.action, exc.value.state) == ("open", "locked")
    with pytest.raises(IllegalTransition):
        door.next("open", "no_such_action")


def test_domain_exceptions_are_http_free_and_answered_as_problems_at_the_edge():
    from flask import Flask

    from chassis.app import install_common
    from chassis.config import load_settings
    from chassis.exceptions import DomainError, NotFound, StaleVersion
    assert not issubclass(DomainError, Problem)
    app = Flask("edge")
    install_common(app, load_settings("edge", internal_secret="s" * 40), verify_identity=False)

    @app.get("/stale")
    def stale():
        raise StaleVersion(current_version=3)

    @app.get("/gone")
    def gone():
        raise NotFound("visit")
    r = app.test_client().get("/stale")
    assert (r.status_code, r.mimetype) == (412, "application/problem+json")
    assert r.get_json()["current_version"] == 3 and r.get_json()["type"].endswith("/stale-version")
    assert app.test_client().get("/gone").get_json()["detail"] == "No such visit."
