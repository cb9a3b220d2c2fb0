"""Errors as RFC 9457 problem details (application/problem+json).

Domain code raises ``Problem`` (or a helper below); the app factory turns it,
HTTP exceptions and validation errors into one JSON shape with a stable type.
"""
from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_BASE = "https://crm.example/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, slug: str, title: str, detail: str = "", *,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}  # e.g. Retry-After on a 429
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(problem.to_dict()), status=problem.status, mimetype=MEDIA_TYPE)
    for k, v in {**problem.headers, **(headers or {})}.items():
        resp.headers[k] = v
    return resp


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "not-found", "Not found", f"No such {what}.")


def conflict(detail: str, slug: str = "conflict", **extra: Any) -> Problem:
    return Problem(409, slug, "Conflict", detail, **extra)


def precondition_failed(detail: str = "The resource changed since you read it; reload and retry.",
                        **extra: Any) -> Problem:
    return Problem(412, "stale-version", "Precondition failed", detail, **extra)


def precondition_required() -> Problem:
    return Problem(428, "version-required", "Precondition required",
                   "Send the version you read in the If-Match header.")


def forbidden(detail: str = "You are not allowed to do this.") -> Problem:
    return Problem(403, "forbidden", "Forbidden", detail)


def unauthorized(detail: str = "Authentication required.") -> Problem:
    return Problem(401, "unauthorized", "Unauthorized", detail)


# A body with thousands of bad fields or list items must not get thousands of errors
# back: at most this many messages in all, and this many per list of messages or items.
MAX_ERRORS = 50
MAX_PER_LIST = 10


def bound_errors(errors: Any, limit: int = MAX_ERRORS, per_list: int = MAX_PER_LIST) -> tuple[Any, bool]:
    """(errors cut to ``limit`` messages in all and ``per_list`` entries in any nested list or
    map, whether anything was cut). Keeps marshmallow's shape: {field: [messages] | {item
    index or nested field: ...}}."""
    budget = limit
    cut = False

    def walk(node: Any, top: bool = False) -> Any:
        nonlocal budget, cut
        if not isinstance(node, (dict, list, tuple)):
            budget -= 1
            return node
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not top and len(items) > per_list:
            cut = True
            items = items[:per_list]
        out = []
        for key, value in items:
            if budget <= 0:
                cut = True
                break
            out.append((key, walk(value)))
        return dict(out) if isinstance(node, dict) else [v for _, v in out]

    return walk(errors, top=True), cut


def invalid(errors: dict[str, Any], detail: str = "The request has invalid fields.") -> Problem:
    """422 with field errors: ``errors`` maps field name to a list of messages (bounded)."""
    shown, cut = bound_errors(errors)
    if not cut:
        return Problem(422, "validation-error", "Invalid input", detail, errors=shown)
    return Problem(422, "validation-error", "Invalid input",
                   f"{detail} Only the first {MAX_ERRORS} problems are listed.", errors=shown,
                   errors_truncated=True)


def too_large(limit: int | None) -> Problem:
    detail = (f"The request body is larger than the {limit} bytes allowed here." if limit
              else "The request body is too large.")
    return Problem(413, "too-large", "Content too large", detail, max_bytes=limit)


def bad_request(detail: str) -> Problem:
    return Problem(400, "bad-request", "Bad request", detail)
