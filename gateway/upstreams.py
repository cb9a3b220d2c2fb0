"""Calls from the gateway to the services: routing table, identity, timeouts."""
from __future__ import annotations

import requests
from flask import current_app, g

from chassis import identity as ident
from chassis.app import CORRELATION_ID, REQUEST_ID

# Public path prefix → service. Everything under /api/v1/<prefix> goes there.
ROUTES = {
    "customers": "customer",
    "risk": "customer",
    "tiers": "customer",
    "engagement": "engagement",
    "feedback": "feedback",
}
SERVICES = ("customer", "engagement", "feedback")

_session = requests.Session()
_session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=32))


def base_url(service: str) -> str:
    settings = current_app.config["CRM_SETTINGS"]
    return settings.get(f"CRM_{service.upper()}_URL").rstrip("/")


def headers_for(identity: ident.Identity) -> dict:
    settings = current_app.config["CRM_SETTINGS"]
    return {
        ident.HEADER: ident.issue(identity, settings.internal_secret, ttl=60),
        REQUEST_ID: getattr(g, "request_id", ""),
        CORRELATION_ID: getattr(g, "correlation_id", ""),
    }


def timeout() -> float:
    return float(current_app.config["CRM_SETTINGS"].get("CRM_UPSTREAM_TIMEOUT"))


def call(service: str, method: str, path: str, identity: ident.Identity, *, params=None,
         json=None, data=None, extra_headers=None, timeout_s: float | None = None) -> requests.Response:
    headers = headers_for(identity)
    headers.update(extra_headers or {})
    return _session.request(method, base_url(service) + path, params=params, json=json, data=data,
                            headers=headers, timeout=timeout_s or timeout(), allow_redirects=False)
