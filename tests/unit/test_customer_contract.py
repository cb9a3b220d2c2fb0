"""The customer service's OpenAPI document is a contract clients generate code from
(issue #10): every operation says what it is for, what it answers on success (a real
schema, no shapeless objects anywhere inside it) and that every error is problem+json."""
from __future__ import annotations

import pytest

from tests.contract import (
    PROBLEM,
    deref as _deref,
    load_spec,
    named_operations as _operations,
    untyped_objects as _untyped_objects,
)


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec("services.customer.app")


def test_every_operation_has_a_summary_and_a_description(spec):
    missing = [name for name, op in _operations(spec)
               if not (op.get("summary") or "").strip() or not (op.get("description") or "").strip()]
    assert not missing, missing
    multi_line = [name for name, op in _operations(spec) if "\n" in op["summary"]]
    assert not multi_line, multi_line


def test_every_operation_documents_its_success_with_a_schema(spec):
    for name, op in _operations(spec):
        ok = {s: _deref(spec, r) for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, f"{name}: no 2xx response"
        for status, response in ok.items():
            content = response.get("content") or {}
            assert content, f"{name} {status}: no content"
            for media, body in content.items():
                assert body.get("schema"), f"{name} {status} {media}: no schema"


def test_no_untyped_object_is_reachable_from_any_response(spec):
    found = []
    for name, op in _operations(spec):
        for status, response in op["responses"].items():
            for body in (_deref(spec, response).get("content") or {}).values():
                found += _untyped_objects(spec, body.get("schema") or {}, f"{name} {status}", set())
    assert not found, found


def test_every_error_is_documented_as_problem_json(spec):
    for name, op in _operations(spec):
        for status, response in op["responses"].items():
            if status == "default" or status.startswith("4") or status.startswith("5"):
                content = _deref(spec, response).get("content") or {}
                assert set(content) == {PROBLEM}, f"{name} {status}: {sorted(content)}"
                assert _deref(spec, content[PROBLEM]["schema"]).get("required"), f"{name} {status}"


@pytest.mark.parametrize("operation, statuses", [
    ("GET /api/v1/customers", {"400", "404", "422"}),
    ("POST /api/v1/customers", {"403", "409", "422"}),
    ("POST /api/v1/customers/search", {"400", "404", "422"}),
    ("PATCH /api/v1/customers/{customer_id}", {"400", "404", "409", "412", "422", "428"}),
    ("POST /api/v1/customers/{customer_id}/archive", {"400", "403", "404", "409", "412", "422", "428"}),
    ("PUT /api/v1/customers/{customer_id}/manager", {"400", "403", "404", "412", "422", "428"}),
    ("GET /api/v1/managers/team", {"403"}),
    ("PUT /api/v1/tiers/rules", {"400", "403", "412", "422", "428"}),
    ("POST /api/v1/risk/assessments", {"404", "422"}),
    ("POST /api/v1/imports", {"400", "403", "413", "415"}),
])
def test_the_errors_an_operation_answers_are_documented(spec, operation, statuses):
    ops = dict(_operations(spec))
    assert statuses <= set(ops[operation]["responses"]), sorted(ops[operation]["responses"])
