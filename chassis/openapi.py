"""The API contract every service and the gateway share: every error is
application/problem+json with one ``Problem`` schema, and every operation says so.

flask-smorest documents errors with its own ``{code, message, errors}`` schema as
application/json, which is not what we send; ``ContractApi`` documents ours instead:

* every error response component (``NOT_FOUND``, ``UNPROCESSABLE_ENTITY``, ...) and the
  ``default`` response are ``Problem`` as application/problem+json;
* every operation gets the errors any request can meet (401 without a caller identity,
  500), 404 when its path names a record, and 400 (not JSON) and 413 (over the size
  limit) when it takes a body;
* an operation adds its own with ``@problems(blp, 409, 412, ...)``.
"""
from __future__ import annotations

import http
from typing import Any, Callable

from apispec import BasePlugin
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields

from .errors import MEDIA_TYPE

METHODS = ("get", "post", "put", "patch", "delete")
BODY_METHODS = ("post", "put", "patch")


class ProblemSchema(Schema):
    """RFC 9457 problem details; some problems add members (``existing_id``,
    ``current_version``, ``retry_after``...), so others are allowed."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "URI naming the kind of problem (stable)",
                                                  "example": "https://crm.example/problems/not-found"})
    title = fields.String(required=True, metadata={"example": "Not found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(metadata={"description": "What happened, for a person", "example": "No such customer."})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "422: field name → list of messages (nested for nested fields)"})
    errors_truncated = fields.Boolean(metadata={"description": "422: more errors were found than are listed"})


def _ref(status: int) -> str:
    return http.HTTPStatus(status).name


class StandardProblems(BasePlugin):
    """Adds the errors every operation can meet; runs as each path is registered."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for method, op in (operations or {}).items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            wanted = [401, 500, 503]   # 503: the database did not answer (chassis/app.py)
            if path and "{" in path:
                wanted.append(404)
            if method in BODY_METHODS:
                wanted += [400, 413]   # 400: a body that is not JSON at all
            for status in wanted:
                responses.setdefault(str(status), _ref(status))


class ContractApi(Api):
    """flask-smorest's Api documenting errors as we answer them."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Any = None, *, spec_kwargs: dict | None = None, **kwargs: Any) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs.setdefault("extra_plugins", [StandardProblems()])
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def problems(blp: Blueprint, *statuses: int) -> Callable:
    """Document the errors an operation answers besides the standard ones, e.g.
    ``@problems(blp, 409, 412, 428)`` on an update with If-Match."""
    def decorate(func: Callable) -> Callable:
        for status in statuses:
            func = blp.alt_response(status, response=_ref(status))(func)
        return func
    return decorate


__all__ = ["ContractApi", "ProblemSchema", "StandardProblems", "problems"]


# Headers, documented where an operation sends or takes them. Updates are optimistic:
# the version read goes back as If-Match (428 without, 412 when stale).
ETAG = {"ETag": {"description": "The record's version, quoted (\"3\"): send it back as If-Match to change it.",
                 "schema": {"type": "string"}}}
CREATED = {**ETAG, "Location": {"description": "Where the new record is read.", "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The ETag you read, e.g. \"3\" (428 without it, 412 when the record changed since, "
                           "400 when it is not a version)", "example": "\"1\""}
