"""Read your own writes across services: a record another service owns, read through
from that service when the local copy has not arrived yet.

Services know each other's records from events (``chassis.copies``), which land a few
hundred milliseconds after the write. A client that creates a customer and acts on it
at once would meet "no such customer" in that window, so a request naming a record the
copy does not hold yet asks the owner for it, as the caller (the very X-Identity the
gateway signed, so the owner applies the one visibility rule and answers 404 for a
record the caller may not see), and keeps the answer as the copy with the same version
guard as the events: a read older than an event already applied never overwrites it,
and a later event of the same or an older version changes nothing.

The call is bounded (CRM_READ_THROUGH_TIMEOUT); an owner that is down or slow is a
503 problem, never a hang, and nothing is stored.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import urllib3
from flask import current_app, has_request_context, request
from pymongo.collection import Collection

from . import context, copies, identity
from .errors import Problem

log = logging.getLogger(__name__)

# Its own small pool: a read-through is rare (once per record, in the first second of
# its life), and retries would only stretch the bound the timeout sets.
_http = urllib3.PoolManager(num_pools=4, maxsize=16, block=False, retries=False)


def unavailable(service: str) -> Problem:
    return Problem(503, "upstream-unavailable", "Upstream unavailable",
                   f"The {service} service, which this request needs to know the record, is unavailable; "
                   "retry shortly.", headers={"Retry-After": "1"})


def _settings() -> Any:
    return current_app.config["CRM_SETTINGS"]


def _caller_token() -> str:
    """The caller's signed identity as it came in; signed afresh only outside a request."""
    if has_request_context() and request.headers.get(identity.HEADER):
        return request.headers[identity.HEADER]
    return identity.issue(identity.current(), _settings().internal_secret)


def fetch(service: str, path: str) -> dict[str, Any] | None:
    """GET ``path`` from ``service`` as the caller: the JSON body on 200, None on 404
    (absent, or not the caller's: the same to them); a 503 Problem for anything else."""
    from .app import CORRELATION_ID, REQUEST_ID  # the app module imports the whole chassis

    settings = _settings()
    base = settings.require(f"CRM_{service.upper()}_URL").rstrip("/")
    seconds = float(settings.require("CRM_READ_THROUGH_TIMEOUT"))
    trace = context.current()
    headers = {identity.HEADER: _caller_token(), "Accept": "application/json",
               REQUEST_ID: trace.request_id or "", CORRELATION_ID: trace.correlation_id or ""}
    try:
        r = _http.request("GET", base + path, headers=headers, redirect=False,
                          timeout=urllib3.Timeout(total=seconds))
    except urllib3.exceptions.HTTPError as exc:   # refused, reset, timed out
        log.warning("read-through failed", extra={"upstream": service, "error": exc.__class__.__name__})
        raise unavailable(service) from None
    if r.status == 404:
        return None
    if r.status != 200:
        log.warning("read-through answered %s", r.status, extra={"upstream": service})
        raise unavailable(service)
    try:
        body = json.loads(r.data)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("version"), int):
        log.warning("read-through answered no versioned record", extra={"upstream": service})
        raise unavailable(service)
    return body


def copy_of(collection: Collection, subject: str, service: str, path: str,
            fields: Iterable[str]) -> dict[str, Any] | None:
    """The local copy of ``subject``; when there is none yet, read through from ``service``
    at ``path`` (which answers the record with its ``version``), keep ``fields`` of it
    version-guarded and answer what is stored then (an event may have brought a newer one
    meanwhile). None when the owner has no such record for this caller: nothing is stored."""
    if subject in ("", ".", ".."):
        return None   # no id; as a path segment it would climb the owner's URL instead
    doc = collection.find_one({"_id": subject})
    if doc is not None:
        return doc
    body = fetch(service, path)
    if body is None:
        return None
    copies.keep(collection, subject, body["version"], copies.pick(body, fields))
    return collection.find_one({"_id": subject})


def customer_path(customer_id: str) -> str:
    """The customer service's read of the snapshot its events carry (internal, never
    routed by the gateway); the id is exactly one path segment."""
    return f"/internal/v1/customers/{quote(customer_id, safe='')}/snapshot"
