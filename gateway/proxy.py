"""Pass-through routing of /api/v1/<prefix>/... to the owning service.

The policy table (policy.py) has already let the request in; here it is forwarded
with the caller's signed identity. Large bodies (CSV imports) are streamed both
ways instead of being held in memory.
"""
from __future__ import annotations

import requests
from flask import Blueprint, Response, request, stream_with_context

from chassis.errors import Problem, not_found

from . import upstreams
from .auth import authenticate

blp = Blueprint("proxy", __name__)

FORWARD_REQUEST = ("Content-Type", "If-Match", "If-None-Match", "Accept", "Accept-Language")
FORWARD_RESPONSE = ("Content-Type", "ETag", "Location", "Retry-After", "Content-Disposition",
                    "Link", "X-Total-Count")
STREAM_ABOVE = 256 * 1024
CHUNK = 64 * 1024
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class _Body:
    """The incoming body as a sized stream: requests sends it with the client's
    Content-Length rather than buffering it or switching to chunked encoding."""

    def __init__(self, stream, length: int):
        self.stream, self.length = stream, length

    def __len__(self):
        return self.length

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(CHUNK if n is None or n < 0 else n)

    def __iter__(self):
        while chunk := self.stream.read(CHUNK):
            yield chunk


def _body(streaming: bool):
    if not streaming:
        return request.get_data()
    length = request.content_length
    return _Body(request.stream, length) if length is not None else iter(lambda: request.stream.read(CHUNK), b"")


@blp.route("/api/v1/<prefix>", methods=METHODS, defaults={"rest": ""})
@blp.route("/api/v1/<prefix>/<path:rest>", methods=METHODS)
def forward(prefix: str, rest: str):
    service = upstreams.ROUTES.get(prefix)
    if service is None:
        raise not_found("route")
    who = authenticate()
    path = f"/api/v1/{prefix}" + (f"/{rest}" if rest else "")
    extra = {h: request.headers[h] for h in FORWARD_REQUEST if h in request.headers}
    bulk = prefix == "imports"
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    streaming = chunked or (request.content_length or 0) > (0 if bulk else STREAM_ABOVE)
    try:
        up = upstreams.call(service, request.method, path, who, params=request.args,
                            data=_body(streaming), extra_headers=extra,
                            timeout_s=upstreams.IMPORT_TIMEOUT if bulk else None, stream=bulk)
    except requests.Timeout:
        raise Problem(504, "upstream-timeout", "Upstream timeout", f"The {service} service did not answer in time.") from None
    except requests.ConnectionError:
        raise Problem(503, "upstream-unavailable", "Upstream unavailable", f"The {service} service is unavailable.") from None
    if bulk:
        body = stream_with_context(_relay(up))
    else:
        body = up.content
    resp = Response(body, status=up.status_code)
    for h in FORWARD_RESPONSE:
        if h in up.headers:
            resp.headers[h] = up.headers[h]
    return resp


def _relay(up: requests.Response):
    try:
        yield from up.iter_content(CHUNK)
    finally:
        up.close()
