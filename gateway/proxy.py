"""Pass-through routing of /api/v1/<prefix>/... to the owning service."""
from __future__ import annotations

import requests
from flask import Blueprint, Response, request

from chassis.errors import Problem, not_found

from . import upstreams
from .auth import authenticate

blp = Blueprint("proxy", __name__)

FORWARD_REQUEST = ("Content-Type", "If-Match", "If-None-Match", "Accept")
FORWARD_RESPONSE = ("Content-Type", "ETag", "Location", "Retry-After")


@blp.route("/api/v1/<prefix>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], defaults={"rest": ""})
@blp.route("/api/v1/<prefix>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def forward(prefix: str, rest: str):
    service = upstreams.ROUTES.get(prefix)
    if service is None:
        raise not_found("route")
    who = authenticate()
    path = f"/api/v1/{prefix}" + (f"/{rest}" if rest else "")
    extra = {h: request.headers[h] for h in FORWARD_REQUEST if h in request.headers}
    try:
        up = upstreams.call(service, request.method, path, who, params=request.args,
                            data=request.get_data(), extra_headers=extra)
    except requests.Timeout:
        raise Problem(504, "upstream-timeout", "Upstream timeout", f"The {service} service did not answer in time.") from None
    except requests.ConnectionError:
        raise Problem(503, "upstream-unavailable", "Upstream unavailable", f"The {service} service is unavailable.") from None
    resp = Response(up.content, status=up.status_code)
    for h in FORWARD_RESPONSE:
        if h in up.headers:
            resp.headers[h] = up.headers[h]
    return resp
