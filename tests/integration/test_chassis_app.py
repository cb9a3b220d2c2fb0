"""The app factory every service uses: health, readiness, ids, problem+json, identity."""
import json
import logging

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from chassis import identity as ident
from chassis.app import create_service_app
from chassis.config import load_settings
from tests import support

blp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")


class ProbeIn(Schema):
    name = fields.String(required=True)


@blp.route("")
class Probe(MethodView):
    @blp.arguments(ProbeIn)
    @blp.response(201, ProbeIn)
    def post(self, data):
        ident.current()
        return data

    def get(self):
        raise RuntimeError("secret 13812345678 must not reach the client")


def _app(**extra):
    app = create_service_app(load_settings("probeapp", **support.overrides(**extra)), [blp], title="probe")
    app.testing = False  # exercise the real error handlers
    return app


@pytest.fixture(scope="module")
def client():
    return _app().test_client()


def test_liveness_and_readiness_when_everything_is_up(client):
    assert client.get("/healthz").json == {"service": "probeapp", "status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json["checks"] == {"database": "ok", "broker": "ok"}
    assert r.json["status"] == "ready"


def test_a_broker_outage_degrades_readiness_without_failing_it():
    """Writes succeed without the broker (the outbox holds their events): stay in rotation."""
    app = _app(amqp_url="amqp://guest:guest@127.0.0.1:1//").test_client()
    r = app.get("/readyz")
    assert r.status_code == 200 and r.json["status"] == "degraded"
    assert r.json["checks"]["database"] == "ok" and r.json["checks"]["broker"].startswith("down")


def test_readiness_fails_when_the_database_or_broker_is_unreachable():
    dead = _app(mongo_url="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300",
                amqp_url="amqp://guest:guest@127.0.0.1:1//").test_client()
    assert dead.get("/healthz").status_code == 200  # alive, but not ready
    r = dead.get("/readyz")
    assert r.status_code == 503
    assert r.json["checks"]["database"].startswith("down") and r.json["checks"]["broker"].startswith("down")


def test_request_and_correlation_ids_are_echoed_or_made(client):
    r = client.get("/healthz", headers={"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"})
    assert r.headers["X-Request-ID"] == "req-1" and r.headers["X-Correlation-ID"] == "corr-1"
    r = client.get("/healthz")
    assert len(r.headers["X-Request-ID"]) == 36 and r.headers["X-Correlation-ID"] == r.headers["X-Request-ID"]


def test_validation_errors_are_problem_json_with_the_field_named(client):
    r = client.post("/api/v1/probe", json={"nom": "x"}, headers=support.as_user())
    assert r.status_code == 422 and r.content_type == "application/problem+json"
    assert r.json["type"].endswith("/validation-error")
    assert set(r.json["errors"]) == {"name", "nom"}


def test_missing_or_forged_identity_is_401(client):
    assert client.post("/api/v1/probe", json={"name": "x"}).status_code == 401
    forged = ident.issue(ident.Identity("m1", ident.MANAGER), "another-secret-of-sufficient-length!!")
    r = client.post("/api/v1/probe", json={"name": "x"}, headers={ident.HEADER: forged})
    assert r.status_code == 401 and r.content_type == "application/problem+json"


def test_unknown_route_and_method_are_problems(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["type"].endswith("/not-found")
    r = client.delete("/api/v1/probe", headers=support.as_user())
    assert r.status_code == 405 and r.content_type == "application/problem+json"
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_an_unexpected_error_is_a_safe_500_and_its_log_is_redacted(client, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.get("/api/v1/probe", headers=support.as_user())
    assert r.status_code == 500 and r.content_type == "application/problem+json"
    assert "13812345678" not in r.get_data(as_text=True) and "RuntimeError" not in r.get_data(as_text=True)
    assert r.json["type"].endswith("/internal")


def test_the_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/probe" in spec["paths"] and "/api/v1/audit" in spec["paths"]
    assert "ProbeIn" in json.dumps(spec["components"])
