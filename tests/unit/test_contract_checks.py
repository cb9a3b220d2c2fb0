"""The shared contract checks (tests/contract.py) are as strict as the strictest of the copies
they replace: each case here is one a looser copy let through."""
import pytest

from tests.contract import NULL_BRANCH, untyped_objects, violations

SPEC = {"components": {"schemas": {
    "Thing": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"],
              "additionalProperties": False}}}}
THING = {"$ref": "#/components/schemas/Thing"}


@pytest.mark.parametrize("schema, value", [
    ({"anyOf": [THING, NULL_BRANCH]}, {"bogus": 1}),              # the null branch is no object
    ({"anyOf": [THING, NULL_BRANCH]}, {"id": "x", "extra": 1}),   # additionalProperties: false
    (THING, {}),                                                  # required
    ({}, None),                                                   # null only where nullable
    ({"type": "string", "enum": ["a", None]}, None),
    ({"type": "string", "format": "date-time"}, "2026-01-01T10:00:00"),   # no offset
    ({"type": "string", "format": "date"}, "2026-02-30"),
    ({"type": "string", "format": "date"}, "20260101"),
    ({"type": "integer"}, True),
    ({"type": "integer"}, 1.0),
    ({"type": "number"}, False),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1),
    ({"allOf": [THING]}, {"id": 1}),
    ({"type": "string", "maxLength": 2}, "abc"),
    ({"type": "integer", "minimum": 1}, 0),
])
def test_a_wrong_answer_is_found(schema, value):
    assert violations(SPEC, schema, value)


@pytest.mark.parametrize("schema, value", [
    ({"anyOf": [THING, NULL_BRANCH]}, None),
    ({"anyOf": [THING, NULL_BRANCH]}, {"id": "x"}),
    ({"type": "string", "nullable": True, "format": "date-time"}, "2026-01-01T10:00:00+08:00"),
    ({"type": "string", "format": "date"}, "2026-02-28"),
    ({"type": "string", "enum": ["a"], "nullable": True}, None),
    ({"anyOf": [{"type": "integer"}, {"type": "string"}], "nullable": True}, None),   # an answer left empty
    ({"description": "any JSON value", "nullable": True}, None),
    ({"description": "any JSON value", "nullable": True}, [1, {"a": "b"}]),
])
def test_a_right_answer_passes(schema, value):
    assert violations(SPEC, schema, value) == []


@pytest.mark.parametrize("schema", [
    {"type": "object"},                                                      # fields.Dict()
    {"properties": {}},
    {"type": "object", "additionalProperties": {"description": "anything"}},
    {"type": "array", "items": {}},                                          # fields.Raw(): no type
    {"anyOf": [NULL_BRANCH, {"type": "string"}]},                            # a null branch beside no $ref
])
def test_a_shapeless_value_is_found(schema):
    assert untyped_objects(SPEC, schema, "$")


@pytest.mark.parametrize("schema", [
    {"anyOf": [THING, NULL_BRANCH]},
    {"type": "object", "additionalProperties": THING},
    {"description": "any JSON value, as the field's", "nullable": True},   # a change record's old/new
    {"$ref": "#/components/schemas/Problem"},
])
def test_a_typed_value_passes(schema):
    assert untyped_objects(SPEC, schema, "$") == []
