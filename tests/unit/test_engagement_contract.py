"""The engagement service's OpenAPI document is a contract a client can be generated from
(issue #10): every operation is described, answers with a typed schema and documents
its errors as problem+json."""
from functools import partial

import pytest

from tests.contract import (
    PROBLEM as PROBLEM_JSON,
    deref as _deref,
    load_spec,
    named_operations,
    untyped_objects as _untyped_objects,
)

# The service's own operations. /api/v1/audit is the chassis's trail, served by every
# service alike (chassis/audit.py); it is checked where the chassis is.
OWN = "/api/v1/engagement/"
_operations = partial(named_operations, prefix=OWN)


@pytest.fixture(scope="module")
def spec():
    return load_spec("services.engagement.app")


def test_the_document_lists_the_engagement_operations(spec):
    ops = dict(_operations(spec))
    assert len(ops) >= 40, sorted(ops)
    assert set(EXPECTED) <= set(ops), sorted(set(EXPECTED) - set(ops))


def test_every_operation_has_a_summary_and_a_description(spec):
    bad = [name for name, op in _operations(spec)
           if not (op.get("summary") or "").strip() or not (op.get("description") or "").strip()]
    assert not bad, bad


def test_every_operation_documents_a_typed_success_response(spec):
    bad = []
    for name, op in _operations(spec):
        ok = {s: _deref(spec, r) for s, r in op["responses"].items() if s.startswith("2")}
        if not ok:
            bad.append(f"{name}: no 2xx response")
        for status, resp in ok.items():
            content = resp.get("content") or {}
            if set(content) != {"application/json"} or "schema" not in content["application/json"]:
                bad.append(f"{name} {status}: no application/json schema")
                continue
            bad += _untyped_objects(spec, content["application/json"]["schema"], f"{name} {status}", set())
    assert not bad, bad


def test_every_error_is_documented_as_problem_json(spec):
    bad = []
    for name, op in _operations(spec):
        for status, resp in op["responses"].items():
            if status.startswith(("4", "5")) or status == "default":
                content = _deref(spec, resp).get("content") or {}
                if set(content) != {PROBLEM_JSON} or content[PROBLEM_JSON]["schema"] != {
                        "$ref": "#/components/schemas/Problem"}:
                    bad.append(f"{name} {status}")
    assert not bad, bad


# Errors each kind of operation can answer besides the standard 401/404/413/500.
EXPECTED = {
    "POST /api/v1/engagement/interactions": {404, 422, 503},
    "GET /api/v1/engagement/customers/{customer_id}/interactions": {400, 422, 503},
    "GET /api/v1/engagement/cadence/due": {404, 422},
    "PUT /api/v1/engagement/cadence/{kind}/{value}": {400, 403, 409, 412, 422, 428},
    "POST /api/v1/engagement/visits": {404, 422, 503},
    "GET /api/v1/engagement/visits": {400, 404, 422, 503},
    "GET /api/v1/engagement/visits/rolling": {404, 422},
    "POST /api/v1/engagement/visits/{visit_id}/start": {400, 409, 412, 428},
    "POST /api/v1/engagement/visits/{visit_id}/record": {400, 409, 412, 422, 428},
    "POST /api/v1/engagement/visits/{visit_id}/evaluate": {400, 409, 412, 422, 428},
    "POST /api/v1/engagement/visits/{visit_id}/cancel": {400, 409, 412, 422, 428},
    "GET /api/v1/engagement/greetings/due": {404, 422},
    "POST /api/v1/engagement/greetings": {404, 409, 422, 503},
    "GET /api/v1/engagement/customers/{customer_id}/greetings": {503},
    "GET /api/v1/engagement/holidays": {422},
    "POST /api/v1/engagement/gifts": {403, 422},
    "POST /api/v1/engagement/gifts/{gift_id}/restock": {400, 403, 412, 422, 428},
    "POST /api/v1/engagement/gifts/{gift_id}/issues": {409, 422, 503},
    "GET /api/v1/engagement/customers/{customer_id}/gifts": {503},
    "GET /api/v1/engagement/customers/{customer_id}/gift-budget": {503},
    "GET /api/v1/engagement/customers/{customer_id}/summary": {503},
    "POST /api/v1/engagement/budgets": {403, 409, 422},
    "GET /api/v1/engagement/budgets": {403},
    "POST /api/v1/engagement/activities": {403, 422},
    "POST /api/v1/engagement/activities/{activity_id}/cancel": {400, 403, 409, 412, 422, 428},
    "POST /api/v1/engagement/activities/{activity_id}/invitations": {403, 409},
    "POST /api/v1/engagement/activities/{activity_id}/rsvp": {409, 412, 422},
    "POST /api/v1/engagement/activities/{activity_id}/attendance": {403, 409, 412, 422},
    "POST /api/v1/engagement/activities/{activity_id}/evaluation": {403, 409, 412, 422},
    "GET /api/v1/engagement/worklist": {404, 422},
    "GET /api/v1/engagement/stats": {404, 422},
    "GET /api/v1/engagement/reminders": {404, 422},
    "PATCH /api/v1/engagement/reminders/{reminder_id}": {422},
    # maintenance plans (#12)
    "POST /api/v1/engagement/plans": {404, 422},
    "GET /api/v1/engagement/plans": {400, 422},
    "PATCH /api/v1/engagement/plans/{plan_id}": {404, 409, 412, 422, 428},
    "POST /api/v1/engagement/plans/{plan_id}/approve": {403, 404, 409, 412, 422, 428},
    "POST /api/v1/engagement/plans/{plan_id}/close": {403, 404, 409, 412, 422},
    "POST /api/v1/engagement/plans/{plan_id}/revise": {403, 404, 409, 412, 422, 428},
    "GET /api/v1/engagement/plans/{plan_id}/progress": {404, 422},
    "POST /api/v1/engagement/tasks": {403, 404, 422},
    "POST /api/v1/engagement/tasks/{task_id}/complete": {404, 409, 412, 428},
    # retention (#13): the branch's engagement policy
    "GET /api/v1/engagement/policy": {404, 422},
    "PUT /api/v1/engagement/policy": {400, 403, 412, 422, 428},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_operations_document_the_errors_they_answer(spec, name):
    ops = dict(_operations(spec))
    assert name in ops
    documented = {int(s) for s in ops[name]["responses"] if s.isdigit()}
    assert EXPECTED[name] | {401, 500} <= documented, sorted(documented)
