"""What the current unit of work is part of: its request id and correlation id.

One context variable, set by the HTTP edge for a request and by the consumer for an
event, so the store, the audit trail and the logs read the same ids without knowing
whether Flask is involved (workers and unit tests have no request context).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Trace:
    request_id: str | None = None
    correlation_id: str | None = None


_current: ContextVar[Trace] = ContextVar("crm_trace", default=Trace())  # noqa: B039 (frozen)


def current() -> Trace:
    return _current.get()


def begin(request_id: str | None, correlation_id: str | None) -> object:
    """Start a trace; returns the token ``end`` takes back."""
    return _current.set(Trace(request_id, correlation_id or request_id))


def end(token: object) -> None:
    try:
        _current.reset(token)  # type: ignore[arg-type]
    except ValueError:  # set in another context (e.g. a teardown on another thread)
        _current.set(Trace())


@contextmanager
def traced(request_id: str | None = None, correlation_id: str | None = None) -> Iterator[Trace]:
    token = begin(request_id, correlation_id)
    try:
        yield current()
    finally:
        end(token)
