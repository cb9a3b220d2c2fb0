"""The gateway: the one public entry point (auth, routing, composed views, docs)."""
from __future__ import annotations

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_cors import CORS

from chassis import db as dbmod, logs
from chassis.app import CORRELATION_ID, REQUEST_ID, install_common
from chassis.config import ConfigError, load_settings, secret
from chassis.errors import Problem, forbidden, not_found
from chassis.events import publisher
from chassis.openapi import ContractApi

from . import auth, composed, console, consoleauth, openapi, paths, policy, proxy, selfservice, useradmin, users
from .clientaddr import TrustedProxies, parse_networks

EXPOSED = ["ETag", "Location", "Retry-After", REQUEST_ID, CORRELATION_ID]
ALLOWED = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Unmask-Purpose",
           REQUEST_ID, CORRELATION_ID]


def create_app(document_only: bool = False, **overrides) -> Flask:
    """The gateway. ``document_only``: just its own OpenAPI document's routes, no database,
    broker or hooks (tools/openapi_export.py exports the merged contract offline)."""
    extra = overrides.pop("extra", None)
    settings = load_settings("gateway", **overrides)
    if extra:
        settings = settings.with_(extra={**settings.extra, **extra})
    jwt_secret = secret("CRM_JWT_SECRET", settings.extra.get("CRM_JWT_SECRET"))
    if jwt_secret == settings.internal_secret:
        # One leaked value must not let anyone both sign in as a user and speak to services.
        raise ConfigError("CRM_JWT_SECRET and CRM_INTERNAL_SECRET must differ")
    if not document_only:
        logs.configure("gateway", settings.log_level)
    app = Flask("gateway")
    # Dot segments resolved before routing and the policy (paths.py): one path for all three.
    app.wsgi_app = paths.NormalisedPaths(app.wsgi_app)  # type: ignore[method-assign]  # Flask's middleware hook
    app.config.update(
        CRM_SETTINGS=settings,
        CRM_JWT_SECRET=jwt_secret,
        API_TITLE="Bank CRM API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        # The spec is served merged with the services' (openapi.py), not by flask-smorest.
        OPENAPI_URL_PREFIX=None,
    )
    assert isinstance(app.json, DefaultJSONProvider)   # Chinese text as it is, not \uXXXX
    app.json.ensure_ascii = False
    api = ContractApi(app)
    app.extensions["crm_api"] = api
    for bp in (auth.blp, consoleauth.blp, useradmin.blp, composed.blp, composed.audit_blp):
        api.register_blueprint(bp)
    if document_only:
        return app
    # Users' changes are published on commit; the gateway worker's relay is the safety net.
    app.extensions["crm_publisher"] = publisher.install(settings, dbmod.connect(settings))
    app.register_blueprint(openapi.blp)
    app.register_blueprint(proxy.blp)
    app.register_blueprint(selfservice.blp)   # /s/<token>: the customer's pages, no login
    app.register_blueprint(console.blp)       # /console/: the web console's built files
    # The gateway verifies users itself; it does not accept X-Identity from outside.
    install_common(app, settings, verify_identity=False, bulk_paths=("/api/v1/imports",))
    _enforce_policy(app)

    origins = [o.strip() for o in (settings.get("CRM_CORS_ORIGINS") or "").split(",") if o.strip()]
    if origins:
        CORS(app, resources={r"/api/*": {"origins": origins}}, expose_headers=EXPOSED,
             allow_headers=ALLOWED, methods=["GET", "POST", "PUT", "PATCH", "DELETE"], max_age=600)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": "gateway"}

    users.adopt_legacy_users()
    auth.ensure_bootstrap_admin(settings.get("CRM_ADMIN_USERNAME"), settings.get("CRM_ADMIN_PASSWORD"))
    # The login throttle counts by client address: X-Forwarded-For only from our proxies.
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, parse_networks(settings.get("CRM_TRUSTED_PROXIES")))
    return app


def _enforce_policy(app: Flask) -> None:
    """Every /api/v1 request passes the declarative table (policy.py) before its handler."""

    @app.before_request
    def _policy():
        if request.method == "OPTIONS" or not request.path.startswith("/api/v1/"):
            return None
        rule = policy.match(request.method, request.path)
        if rule is None:
            if policy.path_known(request.path):
                raise Problem(405, "method-not-allowed", "Method not allowed",
                              f"{request.method} is not allowed here.")
            raise not_found("route")
        if rule.roles == policy.PUBLIC:
            return None
        who = auth.authenticate()          # 401 without a valid token
        if who.role not in rule.roles:
            raise forbidden(f"This needs one of the roles: {', '.join(rule.roles)}.")
        return None
