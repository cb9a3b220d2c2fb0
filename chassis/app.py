"""The Flask app factory every service uses.

``create_service_app`` wires configuration, JSON logs, the service's database,
flask-smorest (OpenAPI from the marshmallow schemas), problem+json errors,
request/correlation ids, the caller identity, health endpoints and the audit
trail, so a service only brings its blueprints.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, Any

from flask import Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from . import audit, context as trace, db as dbmod, identity, logs, metrics
from .config import Settings
from .errors import MEDIA_TYPE, Problem, bad_request, invalid, problem_response, too_large
from .events import publisher
from .exceptions import DomainError
from .openapi import ContractApi

log = logging.getLogger("crm.request")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")

REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"


def _flatten_messages(messages: object) -> dict[str, Any]:
    """webargs messages are {location: {field: [msg]}}: keep field → messages."""
    out: dict[str, Any] = {}
    if isinstance(messages, dict):
        for location, fields in messages.items():
            if isinstance(fields, dict):
                out.update(fields)
            else:
                out[location] = fields
    return out


def _http_problem(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    if exc.code == 422 and "messages" in data:
        return problem_response(invalid(_flatten_messages(data["messages"])))
    if exc.code == 413:  # werkzeug cut a streamed body off at request.max_content_length
        return problem_response(too_large(request.max_content_length))
    slugs = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 409: "conflict", 412: "stale-version", 413: "too-large",
             415: "unsupported-media-type", 428: "version-required", 429: "too-many-requests"}
    status = exc.code or 500
    problem = Problem(status, slugs.get(status, "http-error"), exc.name,
                      (data.get("message") if isinstance(data, dict) else None) or exc.description or "")
    # Keep Allow (405) but not werkzeug's text/html Content-Type.
    allow = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    return problem_response(problem, headers=allow)


def install_common(app: Flask, settings: Settings, *, verify_identity: bool = True,
                   bulk_paths: Iterable[str] = ()) -> None:
    """Request ids, request logging and metrics (/metrics), body limits and problem+json for any
    app (the gateway too).

    ``bulk_paths`` (and everything under them) take bodies up to CRM_MAX_IMPORT_BYTES
    instead of CRM_MAX_BODY_BYTES."""
    # First, so its clock starts before and its count runs after every other hook.
    metrics.install(app, lambda: dbmod.database(settings.service))

    @app.before_request
    def _ids() -> None:
        g.request_start = time.perf_counter()
        g.request_id = request.headers.get(REQUEST_ID) or str(uuid.uuid4())
        g.correlation_id = request.headers.get(CORRELATION_ID) or g.request_id
        g.trace_token = trace.begin(g.request_id, g.correlation_id)
        if verify_identity:
            identity.load_from_request()

    @app.teardown_request
    def _end_trace(_exc: BaseException | None) -> None:
        token = g.pop("trace_token", None)
        if token is not None:
            trace.end(token)

    _limit_bodies(app, settings, tuple(bulk_paths))

    @app.before_request
    def _valid_unicode() -> None:
        # JSON may escape a lone surrogate ("\ud800"), which is no text: nothing can store
        # it (BSON is UTF-8), so refuse it here instead of failing deep in a write with a 500.
        # Streams are left alone: the gateway forwards them and imports are CSV.
        if request.mimetype != "application/json" or (request.endpoint or "").startswith("proxy."):
            return
        if any(request.path == p or request.path.startswith(p + "/") for p in bulk_paths):
            return
        data = request.get_data(cache=True)
        if _SURROGATE_ESCAPE.search(data):
            try:
                parsed = json.loads(data)
            except ValueError:
                return   # not JSON at all: the parser answers that
            try:
                json.dumps(parsed, ensure_ascii=False).encode("utf-8")
            except UnicodeError:
                raise bad_request("The body holds text that is not valid Unicode (a lone surrogate).") from None

    @app.after_request
    def _log(resp: Response) -> Response:
        resp.headers[REQUEST_ID] = getattr(g, "request_id", "")
        resp.headers[CORRELATION_ID] = getattr(g, "correlation_id", "")
        if request.path not in ("/healthz", "/readyz"):
            # Path only: query strings may carry a mobile or ID number being searched.
            ident = getattr(g, "identity", None)
            log.info("request", extra={
                "method": request.method, "path": request.path, "status": resp.status_code,
                "ms": round((time.perf_counter() - getattr(g, "request_start", time.perf_counter())) * 1000, 1),
                "user": getattr(ident, "user_id", None)})
        return resp

    @app.errorhandler(ConnectionFailure)
    def _database_down(exc: ConnectionFailure) -> Response:
        # Refused, lost or timed out: an outage, said as such (503) rather than as a fault of
        # ours (500), so clients back off and alerts can tell. A write cut off mid-way may
        # have landed: a retry meets the version check (412) or the duplicate (409).
        log.warning("database unavailable", extra={"error": exc.__class__.__name__})
        return problem_response(Problem(503, "database-unavailable", "Database unavailable",
                                        "The database did not answer; read the record before trying again."),
                                headers={"Retry-After": "2"})

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError) -> Response:
        return problem_response(exc.to_problem())

    @app.errorhandler(Problem)
    def _problem(p: Problem) -> Response:
        return problem_response(p)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return _http_problem(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error", extra={"error": exc.__class__.__name__})
        return problem_response(Problem(500, "internal", "Internal error",
                                        "Something went wrong; the request id identifies it in our logs."))


def _limit_bodies(app: Flask, settings: Settings, bulk_paths: tuple[str, ...]) -> None:
    body_max = int(settings.require("CRM_MAX_BODY_BYTES"))
    bulk_max = int(settings.require("CRM_MAX_IMPORT_BYTES"))

    @app.before_request
    def _body_limit() -> None:
        bulk = any(request.path == p or request.path.startswith(p + "/") for p in bulk_paths)
        limit = bulk_max if bulk else body_max
        request.max_content_length = limit
        if request.content_length is not None:
            # A declared length is refused before a byte of the body is read.
            if request.content_length > limit:
                raise too_large(limit)
        elif request.environ.get("wsgi.input_terminated"):
            # Chunked (gunicorn ends the stream itself). werkzeug's own cap stops reading
            # at the limit without a word, so a cut-off body could still parse; this one
            # refuses (413) whoever reads past it: the JSON parser, the import spool or the
            # gateway streaming it on.
            request.environ["wsgi.input"] = _CappedInput(request.environ["wsgi.input"], limit)
            request.max_content_length = None


class _CappedInput:
    """wsgi.input that raises 413 instead of delivering more than ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], limit: int):
        self._stream, self._limit, self._seen = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            raise too_large(self._limit)
        return data

    def _size(self, size: int | None) -> int:
        # Never more than one byte past the limit, even for read() "everything".
        room = self._limit - self._seen + 1
        return room if size is None or size < 0 else min(size, room)

    def read(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.read(self._size(size)))

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.readline(self._size(size)))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


def create_service_app(settings: Settings, blueprints: Iterable[Blueprint], *, title: str,
                       description: str = "", bulk_paths: Iterable[str] = (),
                       document_only: bool = False) -> Flask:
    """The service's app. ``document_only``: just enough to produce its OpenAPI document
    (no database, broker, hooks or logging set up), for exporting the API contract offline."""
    if not document_only:
        logs.configure(settings.service, settings.log_level)
    app = Flask(settings.service)
    app.config.update(
        CRM_SETTINGS=settings,
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": description}},
        JSON_SORT_KEYS=False,
    )
    # Chinese names and addresses as they are, not \uXXXX (app.json is flask's default provider).
    assert isinstance(app.json, DefaultJSONProvider)
    app.json.ensure_ascii = False
    if document_only:
        api = ContractApi(app)
        for bp in (*blueprints, audit.blueprint):
            api.register_blueprint(bp)
        app.extensions["crm_api"] = api
        return app
    database = dbmod.connect(settings)
    dbmod.ensure_chassis_indexes(database)
    app.extensions["crm_db"] = database
    # Writes publish their events at once; the worker's relay is the safety net.
    app.extensions["crm_publisher"] = publisher.install(settings, database)
    api = ContractApi(app)
    for bp in blueprints:
        api.register_blueprint(bp)
    api.register_blueprint(audit.blueprint)
    app.extensions["crm_api"] = api
    install_common(app, settings, bulk_paths=bulk_paths)
    _health(app, settings)
    return app


def _health(app: Flask, settings: Settings) -> None:
    # Liveness says the process answers; readiness checks what it depends on.
    # Neither is routed by the gateway: they are for the orchestrator only.
    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=settings.service)

    @app.get("/readyz")
    def readyz() -> Response:
        checks: dict[str, str] = {}
        try:
            dbmod.database().command("ping")
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {exc.__class__.__name__}"
        try:
            from kombu import Connection
            with Connection(settings.amqp_url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"down: {exc.__class__.__name__}"
        ok = all(v == "ok" for v in checks.values())
        resp = jsonify(status="ready" if ok else "not ready", checks=checks)
        resp.status_code = 200 if ok else 503
        return resp


__all__ = ["create_service_app", "install_common", "MEDIA_TYPE"]
