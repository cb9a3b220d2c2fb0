"""The feedback service's OpenAPI document is a contract clients can generate code from
(issue #10): every operation is described, answers with a typed schema, and documents its
errors as problem+json. No servers: the document is built from the code."""
import pytest

from tests import contract
from tests.contract import PROBLEM, deref as resolve, load_spec, untyped_objects

PREFIX = "/api/v1/feedback"


@pytest.fixture(scope="module")
def spec():
    return load_spec("services.feedback.app")


def operations(spec):
    ops = contract.operations(spec, PREFIX)
    assert len(ops) >= 28, "the feedback operations are missing from the document"
    return ops


def test_every_operation_has_a_summary_and_a_description(spec):
    for method, path, op in operations(spec):
        assert op.get("summary", "").strip(), (method, path)
        assert len(op.get("description", "").strip()) >= 20, (method, path)
        assert op["summary"].strip() != op["description"].strip(), (method, path)


def test_every_operation_documents_its_success_with_a_schema(spec):
    for method, path, op in operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert len(ok) == 1, (method, path, sorted(ok))
        (status, response), = ok.items()
        response = resolve(spec, response)
        assert "application/json" in response.get("content", {}), (method, path, status, "no schema")
        schema = response["content"]["application/json"]["schema"]
        target = resolve(spec, schema.get("items", schema)) if schema.get("type") == "array" else resolve(spec, schema)
        assert target.get("properties"), (method, path, status, "no properties")


def test_no_untyped_object_is_reachable_from_a_response(spec):
    for method, path, op in operations(spec):
        for status, response in op["responses"].items():
            for media, content in (resolve(spec, response).get("content") or {}).items():
                if media == PROBLEM:
                    continue  # the Problem schema: extra members allowed by design (RFC 9457)
                assert untyped_objects(spec, content["schema"], f"{method} {path} {status}") == []


def test_every_error_is_problem_json(spec):
    for method, path, op in operations(spec):
        statuses = set(op["responses"])
        assert {"401", "500", "default"} <= statuses, (method, path)
        for status, response in op["responses"].items():
            if status == "default" or status.startswith("4") or status.startswith("5"):
                content = resolve(spec, response)["content"]
                assert set(content) == {PROBLEM}, (method, path, status)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}, (method, path)


def test_operations_document_the_errors_they_answer(spec):
    ops = {(m, p[len(PREFIX):]): set(op["responses"]) for m, p, op in operations(spec)}
    for action in ("assign", "start", "resolve", "confirm", "reopen"):
        assert {"400", "404", "409", "412", "422", "428"} <= ops[("post", f"/complaints/{{complaint_id}}/{action}")]
    for kind in ("sla", "followup"):
        assert {"400", "403", "412", "422", "428"} <= ops[("put", f"/settings/{kind}")]
    assert {"403", "422"} <= ops[("post", "/surveys")]
    # a customer registered a moment ago is read from the customer service: 503 when it is down
    for write in ("/complaints", "/feedback"):
        assert {"422", "503"} <= ops[("post", write)], write
    assert {"404", "503"} <= ops[("get", "/customers/{customer_id}/summary")]
    assert {"404", "409", "422"} <= ops[("post", "/invitations/{invitation_id}/response")]
    for listing in ("/feedback", "/complaints", "/invitations", "/surveys"):
        assert "400" in ops[("get", listing)], listing   # a cursor not made by the list
    for view in ("/worklist", "/stats", "/satisfaction"):
        assert {"404", "422"} <= ops[("get", view)], view  # a manager the caller may not see


def test_updates_document_if_match_and_reads_the_etag(spec):
    paths = spec["paths"]
    for action in ("assign", "start", "resolve", "confirm", "reopen"):
        op = paths[f"{PREFIX}/complaints/{{complaint_id}}/{action}"]["post"]
        assert any(p["in"] == "header" and p["name"] == "If-Match" and p["required"] for p in op["parameters"])
        assert "ETag" in op["responses"]["200"]["headers"]
    assert "ETag" in paths[f"{PREFIX}/complaints/{{complaint_id}}"]["get"]["responses"]["200"]["headers"]


def test_composed_views_are_typed_to_the_field(spec):
    schemas = spec["components"]["schemas"]
    summary = schemas["CustomerSummary"]
    assert set(summary["required"]) == {"customer_id", "open_complaints", "latest_satisfaction"}
    assert summary["properties"]["open_complaints"]["items"] == {"$ref": "#/components/schemas/ComplaintBrief"}
    assert set(schemas["FeedbackWorklist"]["properties"]) == {"manager_id", "date", "complaints_near_breach",
                                                              "complaints_breached", "follow_up_surveys"}
    stats = schemas["FeedbackStats"]["properties"]
    assert stats["per_manager"]["additionalProperties"] == {"$ref": "#/components/schemas/ManagerFigures"}
    assert schemas["ComplaintSla"]["properties"]["per_manager"]["additionalProperties"] == {
        "$ref": "#/components/schemas/SlaFigures"}
    assert set(schemas["SatisfactionRow"]["properties"]) == {"key", "responses", "csat", "csat_mean", "nps",
                                                             "csat_n", "nps_n"}


@pytest.mark.parametrize("schema, body, field", [
    ("ConfirmIn", {"confirmed": 1}, "confirmed"),
    ("ConfirmIn", {"confirmed": "yes"}, "confirmed"),
    ("SurveyIn", {"name": "s", "questions": [{"key": "a", "type": "text", "text": "?", "required": 0}]},
     "questions"),
    ("FollowUpPolicy", {"cap_days": "30", "cap_count": 1, "triggers": {},
                        "enabled": {"visit": True, "activity": True, "complaint": True}}, "cap_days"),
    ("FollowUpPolicy", {"cap_days": 30, "cap_count": True, "triggers": {},
                        "enabled": {"visit": True, "activity": True, "complaint": True}}, "cap_count"),
    ("FollowUpPolicy", {"cap_days": 30, "cap_count": 1, "triggers": {},
                        "enabled": {"visit": "true", "activity": True, "complaint": True}}, "enabled"),
    ("SlaPolicy", {"table": {}, "near_fraction": "0.8", "confirm_timeout_hours": 2.0}, "near_fraction"),
])
def test_bodies_take_json_types_as_documented(schema, body, field):
    """What the document calls a boolean, integer or number is only that (no 1, "yes", "30")."""
    from marshmallow import ValidationError

    from services.feedback import schemas
    with pytest.raises(ValidationError) as e:
        getattr(schemas, schema)().load(body)
    assert any(k == field or k.startswith(field + ".") for k in e.value.messages), e.value.messages
