"""What the store and domain rules refuse, as domain exceptions.

They know nothing of HTTP: the edge (``chassis.app``) answers each as problem+json
with the status, type and title it declares, and application code catches the one it
means (``except AlreadyExists``) instead of branching on status codes.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .errors import Problem


class DomainError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str = "", **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def to_problem(self) -> Problem:
        return Problem(self.status, self.slug, self.title, self.detail, **self.extra)


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"

    def __init__(self, what: str = "resource", **extra: Any):
        super().__init__(f"No such {what}.", **extra)


class AlreadyExists(DomainError):
    """A record with this id exists (an idempotent create seen twice, or a race)."""
    status, slug, title = 409, "already-exists", "Conflict"


class UniqueClash(DomainError):
    """Another record already holds a value that must be unique (a natural key)."""
    status, slug, title = 409, "duplicate", "Conflict"


class StaleVersion(DomainError):
    """The record changed since it was read (optimistic concurrency)."""
    status, slug, title = 412, "stale-version", "Precondition failed"

    def __init__(self, detail: str = "The resource changed since you read it; reload and retry.", **extra: Any):
        super().__init__(detail, **extra)


class InvalidRecord(DomainError):
    """The record breaks its model's rules; ``errors`` maps field → messages."""
    status, slug, title = 422, "validation-error", "Invalid input"

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request has invalid fields."):
        super().__init__(detail, errors=errors)
