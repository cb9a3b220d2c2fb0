"""The web console's built files (web/dist) at /console/: still one public entry point.

Hashed assets (/console/assets/*) never change under their name: cached for a year.
index.html, and every client route the console's router knows (/console/customers/…),
is always revalidated, so a new build is picked up at the next load. A CSP allows only
this origin's scripts, styles, images and API calls. Without a build, /console/ answers
a 503 problem naming the command that builds it, not a crash.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_from_directory

from chassis.errors import Problem, not_found

blp = Blueprint("console", __name__)

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "web" / "dist"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
YEAR = 365 * 24 * 3600


def _root() -> Path:
    configured = current_app.config["CRM_SETTINGS"].get("CRM_CONSOLE_DIR")
    return Path(configured) if configured else DEFAULT_DIR


def _guard(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def _asset(root: Path, name: str) -> Response:
    """A hashed asset; its gzipped copy (made at build time, web/scripts/compress.mjs) when the
    client takes gzip."""
    packed = root / (name + ".gz")
    if "gzip" in request.headers.get("Accept-Encoding", "") and packed.is_file():
        resp = send_from_directory(root, name + ".gz", max_age=0, mimetype=mimetypes.guess_type(name)[0])
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = send_from_directory(root, name, max_age=0)
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


@blp.get("/console")
def console_bare():
    return redirect("/console/", code=308)


@blp.get("/console/")
@blp.get("/console/<path:name>")
def console(name: str = ""):
    root = _root()
    index = root / "index.html"
    if not index.is_file():
        raise Problem(503, "console-not-built", "Console not built",
                      "The console has not been built on this server: run `make console` (or `make run`).")
    target = (root / name).resolve() if name else index
    if name and target.is_file() and root.resolve() in target.parents:
        if name.startswith("assets/"):
            resp = _asset(root, name)
            resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            resp = send_from_directory(root, name, max_age=0)
            resp.headers["Cache-Control"] = "no-cache"
        return _guard(resp)
    if name.startswith("assets/") or "." in name.rsplit("/", 1)[-1]:
        raise not_found("file")   # a missing asset is 404, not the page
    # A client route (/console/customers/42): the app, which routes it itself.
    resp = send_from_directory(root, "index.html", max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return _guard(resp)
