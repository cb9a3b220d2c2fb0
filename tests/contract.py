"""The OpenAPI contract checks the services' tests share (issue #10): reading a service's
document, walking its operations, finding shapeless objects in it, and holding real answers
against it (the OpenAPI 3.0 subset marshmallow and apispec write).

One copy, the strictest of the three the services first had: null only where the document
says nullable, apispec's null branch of a nullable nested object standing for null only,
undeclared members refused under ``additionalProperties: false``, dates real calendar dates
and date-times RFC 3339 (with an offset). Answers are validated by jsonschema_rs (draft 4,
which OpenAPI 3.0 schemas extend) after a small conversion, so every keyword the document
uses (ranges, lengths, patterns, formats, oneOf, allOf) is held too."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import jsonschema_rs

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM = "application/problem+json"
# The one error schema (chassis/openapi.py): its ``errors`` map is field → messages at any
# depth, deliberately open (RFC 9457), so it is no shapeless object.
PROBLEM_REF = "#/components/schemas/Problem"
# apispec's OpenAPI 3.0 rendering of a nullable nested schema is
# anyOf [{"$ref": ...}, NULL_BRANCH]: the second branch stands for null, never for an object.
NULL_BRANCH = {"type": "object", "nullable": True}


def load_spec(app_module: str) -> dict:
    """The OpenAPI document the service in ``app_module`` serves, built from the code."""
    os.environ.setdefault("CRM_DEV_MODE", "1")
    resp = import_module(app_module).create_app().test_client().get("/api/openapi.json")
    assert resp.status_code == 200, resp.status_code
    return resp.get_json()


def operations(spec: dict, prefix: str = "") -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every operation under ``prefix``."""
    return [(method, path, op) for path, item in spec["paths"].items() if path.startswith(prefix)
            for method, op in item.items() if method in METHODS]


def named_operations(spec: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """("GET /path", operation) for every operation under ``prefix``."""
    for method, path, op in operations(spec, prefix):
        yield f"{method.upper()} {path}", op


def deref(spec: dict, node: Any) -> Any:
    """Follow local ``$ref``s (#/a/b/c) to the node they name."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def typed(schema: Any) -> bool:
    """A schema that says something about the value ({} and true accept anything)."""
    return isinstance(schema, dict) and any(k not in ("description", "example", "nullable") for k in schema)


def untyped_objects(spec: dict, schema: Any, where: str, seen: set | None = None) -> list[str]:
    """Places under ``schema`` a generated client could only type as "anything": an object
    with neither properties nor a schema for its values (e.g. ``fields.Dict()``), or a value
    with no type at all (``fields.Raw()``) that does not say it may be any JSON value. The
    Problem schema is open by design."""
    seen = set() if seen is None else seen
    if not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if ref:
        if ref in seen or ref == PROBLEM_REF:
            return []
        seen.add(ref)
        return untyped_objects(spec, deref(spec, schema), f"{where}→{ref.rsplit('/', 1)[-1]}", seen)
    found = []
    types = schema.get("type")
    extra = schema.get("additionalProperties")
    if types == "object" or (isinstance(types, list) and "object" in types) \
            or "properties" in schema or "additionalProperties" in schema:
        if not schema.get("properties") and not typed(extra):
            found.append(where)
    elif not types and not any(k in schema for k in ("allOf", "oneOf", "anyOf", "enum")) \
            and not (schema.get("nullable") and schema.get("description")):
        # a value that may deliberately be anything (a change record's old and new) says so:
        # nullable, with a description; a bare fields.Raw() does not
        found.append(f"{where} (no type)")
    for name, sub in (schema.get("properties") or {}).items():
        found += untyped_objects(spec, sub, f"{where}.{name}", seen)
    if isinstance(extra, dict):
        found += untyped_objects(spec, extra, f"{where}.*", seen)
    if isinstance(schema.get("items"), dict):
        found += untyped_objects(spec, schema["items"], f"{where}[]", seen)
    for key in ("allOf", "oneOf", "anyOf"):
        branches = schema.get(key) or []
        for i, sub in enumerate(branches):
            if key == "anyOf" and sub == NULL_BRANCH and any("$ref" in b for b in branches):
                continue  # the null of a nullable nested object
            found += untyped_objects(spec, sub, f"{where}.{key}[{i}]", seen)
    return found


def json_schema(node: Any) -> Any:
    """The JSON Schema (draft 4, which OpenAPI 3.0 schemas extend) form of an OpenAPI 3.0
    schema: ``nullable: true`` becomes a "null" type (and a null in its enum), and apispec's
    NULL_BRANCH in an anyOf stands for null only."""
    if not isinstance(node, dict) or "$ref" in node:
        return node
    out = {k: v for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
        if "enum" in node and None not in node["enum"]:
            out["enum"] = [*node["enum"], None]
    elif not node.get("nullable") and not any(k in node for k in ("type", "enum", "allOf", "oneOf", "anyOf")):
        out["type"] = ["string", "number", "boolean", "array", "object"]   # anything but null
    for key in ("properties", "patternProperties"):
        if isinstance(node.get(key), dict):
            out[key] = {name: json_schema(sub) for name, sub in node[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if key in node:
            out[key] = json_schema(node[key])
    for key in ("allOf", "oneOf", "anyOf"):
        if key in node:
            out[key] = [{"type": "null"} if key == "anyOf" and b == NULL_BRANCH else json_schema(b) for b in node[key]]
    if node.get("nullable") and "type" not in node:
        return {"anyOf": [{"type": "null"}, out]}
    return out


def violations(spec: dict, schema: Any, value: Any, where: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema``; [] when it fits. Formats (date, date-time with an
    offset, ...) are checked too."""
    document = {"allOf": [json_schema(schema)], "components": {"schemas": {
        name: json_schema(sub) for name, sub in spec.get("components", {}).get("schemas", {}).items()}}}
    validator = jsonschema_rs.Draft4Validator(document, validate_formats=True)
    return [f"{where}{''.join(f'[{p}]' if isinstance(p, int) else f'.{p}' for p in e.instance_path)}: {e.message}"
            for e in validator.iter_errors(value)]


class Checked:
    """A test client whose every answer is held against the app's own document: its status
    documented for the operation, its content type the documented one (problem+json for every
    error) and its body, success or error, valid against the documented schema. ``seen``
    collects the operations called ("GET /template")."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()
        self.spec = self.client.get("/api/openapi.json").get_json()
        self.seen: set[str] = set()

    def template_of(self, method: str, path: str) -> str:
        """The documented path template a concrete path is an instance of (a literal segment
        beats a {parameter}: /visits/rolling is not /visits/{visit_id})."""
        path = path.split("?")[0]
        fits = [t for t, item in self.spec["paths"].items()
                if method.lower() in item and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path)]
        assert fits, f"{method} {path} is not in the document"
        return min(fits, key=lambda t: t.count("{"))

    def call(self, method: str, template: str, path: str | None = None, **kw: Any) -> Any:
        """Call ``template`` (filled in as ``path`` when given) and check the answer."""
        return self.check(method, template, self.client.open(path or template, method=method.upper(), **kw))

    def check(self, method: str, template: str, resp: Any, expect: int | None = None) -> Any:
        name = f"{method.upper()} {template}"
        op = self.spec["paths"][template][method.lower()]
        self.seen.add(name)
        if expect is not None:
            assert resp.status_code == expect, (name, resp.status_code, resp.get_data()[:300])
        name = f"{name} → {resp.status_code}"
        documented = op["responses"].get(str(resp.status_code))
        assert documented, f"{name}: not documented ({sorted(op['responses'])}): {resp.get_data()[:300]}"
        content = deref(self.spec, documented).get("content") or {}
        if not content:
            assert not resp.get_data(), f"{name}: a body where the document has none"
            return resp
        assert len(content) == 1, f"{name}: several content types documented: {sorted(content)}"
        if resp.status_code >= 400:
            assert resp.mimetype == PROBLEM, f"{name}: {resp.mimetype}"
        assert resp.mimetype in content, f"{name}: {resp.mimetype} not in {sorted(content)}"
        errors = violations(self.spec, content[resp.mimetype]["schema"], resp.get_json(), f"{name}: $")
        assert not errors, errors
        return resp
