"""Pass-through routing of /api/v1/<prefix>/... to the owning service.

The policy table (policy.py) has already let the request in; here it is forwarded
with the caller's signed identity. Large bodies (CSV imports) are streamed both
ways instead of being held in memory.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, g, request, stream_with_context
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError as UpstreamTimeout

from chassis.errors import Problem, not_found

from . import policy, upstreams
from .auth import authenticate

blp = Blueprint("proxy", __name__)

FORWARD_REQUEST = ("Content-Type", "If-Match", "If-None-Match", "Accept", "Accept-Language")
FORWARD_RESPONSE = ("Content-Type", "ETag", "Location", "Retry-After", "Content-Disposition",
                    "Link", "X-Total-Count")
STREAM_ABOVE = 256 * 1024
CHUNK = 64 * 1024
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _body(streaming: bool):
    """Small bodies as bytes; big ones as a stream read in chunks while being sent (with the
    client's Content-Length when it gave one, else chunked)."""
    if not streaming:
        return request.get_data() or None
    return iter(lambda: request.stream.read(CHUNK), b"")


@blp.route("/api/v1/<prefix>", methods=METHODS, defaults={"rest": ""})
@blp.route("/api/v1/<prefix>/<path:rest>", methods=METHODS)
def forward(prefix: str, rest: str):
    service = upstreams.ROUTES.get(prefix)
    if service is None:
        raise not_found("route")
    path = f"/api/v1/{prefix}" + (f"/{rest}" if rest else "")
    # Metrics: the public prefix (one of ROUTES) in the route label, the rest stays a template.
    g.metrics_route = f"/api/v1/{prefix}" + ("/<path:rest>" if rest else "")
    # A public route (a self-service link, a provider callback) carries its own credential
    # and reaches the service with no caller identity.
    rule = policy.match(request.method, path)
    who = None if rule is not None and rule.roles == policy.PUBLIC else authenticate()
    extra = {h: request.headers[h] for h in FORWARD_REQUEST if h in request.headers}
    bulk = prefix == "imports"
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    streaming = chunked or (request.content_length or 0) > (0 if bulk else STREAM_ABOVE)
    if streaming and request.content_length is not None:
        extra["Content-Length"] = str(request.content_length)
    qs = request.query_string.decode("latin-1")
    try:
        up = upstreams.forward(service, request.method, quote(path) + (f"?{qs}" if qs else ""), who,
                               body=_body(streaming), extra_headers=extra,
                               timeout_s=upstreams.IMPORT_TIMEOUT if bulk else None, stream=bulk)
    except NewConnectionError:   # urllib3 derives it from its timeout error; nobody is listening
        raise Problem(503, "upstream-unavailable", "Upstream unavailable",
                      f"The {service} service is unavailable.") from None
    except UpstreamTimeout:
        raise Problem(504, "upstream-timeout", "Upstream timeout",
                      f"The {service} service did not answer in time.") from None
    except HTTPError:
        raise Problem(503, "upstream-unavailable", "Upstream unavailable",
                      f"The {service} service is unavailable.") from None
    resp = Response(stream_with_context(_relay(up)) if bulk else up.data, status=up.status)
    for h in FORWARD_RESPONSE:
        if h in up.headers:
            resp.headers[h] = up.headers[h]
    return resp


def _relay(up):
    try:
        yield from up.stream(CHUNK)
    finally:
        up.release_conn()
