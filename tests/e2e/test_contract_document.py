"""The merged OpenAPI document keeps the contract for every operation it lists (issue #10):
a summary and a description for a client developer, a 2xx answer with a real schema, every
error as application/problem+json with the one shared Problem schema, 401 where a token is
needed and 403 where the route table (gateway/policy.py) leaves roles out; the shared
components merged from the four documents without renamed copies.

The first test holds the gateway's own operations; the second every operation, so it holds
the services to the same contract.
"""
from __future__ import annotations

import http

import pytest
import requests

from chassis.errors import MEDIA_TYPE
from gateway import policy
from tests.contract import METHODS, PROBLEM_REF, deref as _deref

GATEWAY_OWN = ("/api/v1/auth", "/api/v1/me", "/api/v1/users", "/api/v1/views", "/api/v1/audit")


@pytest.fixture(scope="module")
def document(gateway_url):
    spec = requests.get(gateway_url + "/api/openapi.json", timeout=30).json()
    assert "x-missing-services" not in spec["info"], spec["info"]
    return spec


def operations(spec: dict, own_only: bool):
    for path, item in spec["paths"].items():
        if own_only and not path.startswith(GATEWAY_OWN):
            continue
        for method, op in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, path, op


def problems_with(spec: dict, name: str, method: str, path: str, op: dict) -> list[str]:
    out = []
    if not (op.get("summary") or "").strip():
        out.append("no summary")
    if not (op.get("description") or "").strip():
        out.append("no description")
    responses = {code: _deref(spec, r) for code, r in op.get("responses", {}).items()}
    ok = {code: r for code, r in responses.items() if code.startswith("2")}
    if not ok:
        out.append("no 2xx response")
    for code, r in ok.items():
        if code == "204":
            continue
        schemas = [c.get("schema") for c in (r.get("content") or {}).values()]
        if not schemas or not all(schemas):
            out.append(f"{code} has no schema")
            continue
        for schema in schemas:
            resolved = _deref(spec, schema)
            if resolved.get("type") == "object" and not resolved.get("properties") \
                    and not isinstance(resolved.get("additionalProperties"), dict):
                out.append(f"{code} is an untyped object")
    for code, r in responses.items():
        if code != "default" and int(code) < 400:
            continue
        content = r.get("content") or {}
        if list(content) != [MEDIA_TYPE] or content[MEDIA_TYPE].get("schema", {}).get("$ref") != PROBLEM_REF:
            out.append(f"{code} is not {MEDIA_TYPE} with the Problem schema")
    rule = policy.match(method.upper(), path)
    if rule is None:
        out.append("no rule in the route table")
    elif rule.roles != policy.PUBLIC:
        if "401" not in responses:
            out.append("401 not documented")
        if set(rule.roles) != set(policy.ANY) and "403" not in responses:
            out.append("403 not documented (the route table leaves roles out)")
        if sorted(op.get("x-roles", [])) != sorted(rule.roles):
            out.append("x-roles differ from the route table")
    if not path.startswith(GATEWAY_OWN) and not {"503", "504"} <= set(responses):
        out.append("503/504 (service unavailable / too slow, from the gateway) not documented")
    if "{" in path and "404" not in responses:
        out.append("404 not documented")
    if method in ("post", "put", "patch") and "requestBody" in op:
        validated = "application/json" in op["requestBody"].get("content", {})   # imports answer a report
        for code in ("400", "413") + (("422",) if validated else ()):
            if code not in responses:
                out.append(f"{code} not documented for a body")
    return [f"{name}: {p}" for p in out]


def test_the_shared_components_merge_without_renamed_copies(document):
    schemas, responses = document["components"]["schemas"], document["components"]["responses"]
    problem = schemas["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"]), problem
    assert [n for n in schemas if n.endswith("Problem") and n != "Problem"] == []
    allowed = {s.name for s in http.HTTPStatus} | {"DEFAULT_ERROR"}
    assert [n for n in responses if n not in allowed] == []
    for name, r in responses.items():
        assert r["content"][MEDIA_TYPE]["schema"] == {"$ref": PROBLEM_REF}, name


def test_the_gateways_own_operations_keep_the_contract(document):
    found = [p for name, method, path, op in operations(document, own_only=True)
             for p in problems_with(document, name, method, path, op)]
    assert found == [], "\n".join(found)


def test_every_operation_keeps_the_contract(document):
    """Every service's operations too: passes once each service documents its own."""
    found = [p for name, method, path, op in operations(document, own_only=False)
             for p in problems_with(document, name, method, path, op)]
    assert found == [], f"{len(found)} gaps:\n" + "\n".join(found)
