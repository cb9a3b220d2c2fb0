"""Calls from the gateway to the services: routing table, identity, timeouts, fan-out."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from flask import current_app, g

from chassis import identity as ident, metrics
from chassis.app import CORRELATION_ID, REQUEST_ID
from chassis.errors import not_found

# Public path prefix → service. Everything under /api/v1/<prefix> goes there.
ROUTES = {
    "customers": "customer",
    "managers": "customer",
    "tiers": "customer",
    "risk": "customer",
    "imports": "customer",
    "products": "customer",
    "opportunities": "customer",
    "financial": "customer",
    "engagement": "engagement",
    "feedback": "feedback",
}
SERVICES = ("customer", "engagement", "feedback")
IMPORT_TIMEOUT = 300.0   # big CSV uploads stream through; the service may take a while

# Upstream calls use urllib3 directly: requests' extra layer (settings merging, proxy
# and .netrc lookups) cost ~0.5 ms a call, a fifth of the gateway's whole budget.
_http = urllib3.PoolManager(num_pools=8, maxsize=64, block=False, retries=False)
# Composed views call services from these threads, in parallel.
_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="fanout")

# Signing the identity costs little, but it is on every request: reuse a token for
# half its lifetime (it carries no request-specific claim).
_IDENTITY_TTL = 60
_identity_cache: dict[tuple, tuple[float, str]] = {}


def segment(value: str, what: str = "resource") -> str:
    """A client-supplied id as exactly one path segment of an upstream URL: ``/``, ``?``,
    ``#`` and ``%`` are encoded, so the id can change neither the path nor the query.
    ``.`` and ``..`` are not ids; encoded or not, the upstream would resolve them."""
    if value in ("", ".", ".."):
        raise not_found(what)
    return quote(value, safe="")


def base_url(service: str) -> str:
    settings = current_app.config["CRM_SETTINGS"]
    return settings.get(f"CRM_{service.upper()}_URL").rstrip("/")


def identity_token(identity: ident.Identity) -> str:
    secret = current_app.config["CRM_SETTINGS"].internal_secret
    key = (identity, secret)
    now = time.monotonic()
    hit = _identity_cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    tok = ident.issue(identity, secret, ttl=_IDENTITY_TTL)
    if len(_identity_cache) > 10_000:
        _identity_cache.clear()
    _identity_cache[key] = (now + _IDENTITY_TTL / 2, tok)
    return tok


def headers_for(identity: ident.Identity | None) -> dict:
    headers = {REQUEST_ID: getattr(g, "request_id", ""), CORRELATION_ID: getattr(g, "correlation_id", "")}
    if identity is not None:   # None: a public route, which the service answers without a caller
        headers[ident.HEADER] = identity_token(identity)
    return headers


def timeout() -> float:
    return float(current_app.config["CRM_SETTINGS"].get("CRM_UPSTREAM_TIMEOUT"))


def forward(service: str, method: str, path_qs: str, identity: ident.Identity | None, *, body=None,
            extra_headers=None, timeout_s: float | None = None, stream: bool = False) -> urllib3.BaseHTTPResponse:
    """Raw pass-through; raises urllib3.exceptions.TimeoutError or another urllib3 HTTPError."""
    headers = headers_for(identity)
    headers.update(extra_headers or {})
    t = timeout_s or timeout()
    started = time.perf_counter()
    try:
        r = _http.request(method, base_url(service) + path_qs, body=body, headers=headers,
                          timeout=urllib3.Timeout(connect=min(t, 2.0), read=t), redirect=False,
                          preload_content=not stream, chunked=body is not None and not isinstance(body, bytes)
                          and "Content-Length" not in headers)
    except urllib3.exceptions.HTTPError as exc:
        metrics.record_upstream(service, failure(exc), started)
        raise
    metrics.record_upstream(service, "error" if r.status >= 500 else "ok", started)
    return r


def failure(exc: urllib3.exceptions.HTTPError) -> str:
    """What an upstream call's exception means: timeout or unavailable (nobody listening, reset)."""
    # NewConnectionError is a subclass of urllib3's timeout error, but nobody is listening.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "unavailable"
    return "timeout" if isinstance(exc, urllib3.exceptions.TimeoutError) else "unavailable"


# --- fan-out for composed views ------------------------------------------------------

@dataclass(frozen=True)
class Call:
    part: str          # what this call contributes to the view
    service: str
    path: str
    params: dict = field(default_factory=dict)


@dataclass
class Outcome:
    call: Call
    status: int | None = None
    body: Any = None
    reason: str | None = None     # why the part is missing: timeout | unavailable | error <status>

    @property
    def ok(self) -> bool:
        return self.reason is None

    def missing(self) -> dict:
        return {"part": self.call.part, "service": self.call.service, "reason": self.reason}


def _get(service: str, url: str, params: dict, headers: dict, timeout_s: float) -> tuple[int, Any]:
    started = time.perf_counter()
    try:
        r = _http.request("GET", url + (f"?{urlencode(params)}" if params else ""), headers=headers,
                          timeout=urllib3.Timeout(connect=min(timeout_s, 2.0), read=timeout_s), redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        metrics.record_upstream(service, failure(exc), started)
        raise
    metrics.record_upstream(service, "error" if r.status >= 500 else "ok", started)
    try:
        body = json.loads(r.data) if r.data else None
    except ValueError:
        body = None
    return r.status, body


def fan_out(calls: list[Call], identity: ident.Identity, timeout_s: float | None = None) -> dict[str, Outcome]:
    """GET every call at once; answers within the timeout whatever the services do.

    A socket timeout bounds each wait, not the whole call (a service that drips bytes
    could exceed it), so the overall wait is bounded here as well.
    """
    timeout_s = timeout_s or timeout()
    headers = headers_for(identity)
    futures = {_pool.submit(_get, c.service, base_url(c.service) + c.path, c.params, headers, timeout_s): c
               for c in calls}
    done, _ = wait(futures, timeout=timeout_s + 0.25)
    out: dict[str, Outcome] = {}
    for fut, c in futures.items():
        if fut not in done:
            if fut.cancel():   # never started: _get did not count it
                metrics.record_upstream(c.service, "timeout", time.perf_counter() - timeout_s)
            out[c.part] = Outcome(c, reason="timeout")
            continue
        try:
            status, body = fut.result()
        except urllib3.exceptions.NewConnectionError:   # a subclass of the timeout error, but nobody listens
            out[c.part] = Outcome(c, reason="unavailable")
        except urllib3.exceptions.TimeoutError:
            out[c.part] = Outcome(c, reason="timeout")
        except urllib3.exceptions.HTTPError:
            out[c.part] = Outcome(c, reason="unavailable")
        else:
            out[c.part] = Outcome(c, status, body, None if status == 200 else f"error {status}")
    return out
