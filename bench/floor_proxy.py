"""The framework floor for the gateway's pass-through: a bare Flask app that forwards a GET
to one upstream with the same HTTP client (a urllib3 pool) and a fixed X-Identity header.

No authentication, routing table, policy, identity signing, logging, metrics or error
mapping: what any Flask proxy on this machine costs, run by bench_gateway.py under the
same gunicorn.conf.py as the gateway, so the gateway's ratio can be read against it.

    FLOOR_UPSTREAM=http://127.0.0.1:18001 FLOOR_IDENTITY=<token> gunicorn -c gunicorn.conf.py bench.floor_proxy:app
"""
from __future__ import annotations

import os

import urllib3
from flask import Flask, Response, request

app = Flask(__name__)
_http = urllib3.PoolManager(num_pools=2, maxsize=64, block=False, retries=False)
UPSTREAM = os.environ.get("FLOOR_UPSTREAM", "http://127.0.0.1:18001")
HEADERS = {"X-Identity": os.environ.get("FLOOR_IDENTITY", "")}


@app.get("/<path:path>")
def forward(path: str) -> Response:
    qs = request.query_string.decode("latin-1")
    up = _http.request("GET", f"{UPSTREAM}/{path}" + (f"?{qs}" if qs else ""), headers=HEADERS,
                       timeout=urllib3.Timeout(connect=2.0, read=2.0), redirect=False)
    resp = Response(up.data, status=up.status)
    resp.headers["Content-Type"] = up.headers.get("Content-Type", "application/json")
    if "ETag" in up.headers:
        resp.headers["ETag"] = up.headers["ETag"]
    return resp
