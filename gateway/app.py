"""The gateway: the one public entry point (auth, routing, composed views, docs)."""
from __future__ import annotations

from flask import Flask, request
from flask_cors import CORS
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from chassis import db as dbmod, logs
from chassis.app import CORRELATION_ID, REQUEST_ID, install_common
from chassis.config import DEV_SECRET, load_settings
from chassis.errors import Problem, forbidden, not_found

from . import auth, openapi, policy, proxy, useradmin, views

EXPOSED = ["ETag", "Location", "Retry-After", REQUEST_ID, CORRELATION_ID]
ALLOWED = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Unmask-Purpose",
           REQUEST_ID, CORRELATION_ID]


def create_app(**overrides) -> Flask:
    extra = overrides.pop("extra", None)
    settings = load_settings("gateway", **overrides)
    if extra:
        settings = settings.with_(extra={**settings.extra, **extra})
    logs.configure("gateway", settings.log_level)
    app = Flask("gateway")
    app.config.update(
        CRM_SETTINGS=settings,
        CRM_JWT_SECRET=settings.get("CRM_JWT_SECRET") or DEV_SECRET + "-jwt",
        API_TITLE="Bank CRM API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        # The spec is served merged with the services' (openapi.py), not by flask-smorest.
        OPENAPI_URL_PREFIX=None,
    )
    app.json.ensure_ascii = False
    dbmod.connect(settings)
    api = Api(app)
    app.extensions["crm_api"] = api
    for bp in (auth.blp, useradmin.blp, views.blp, views.audit_blp):
        api.register_blueprint(bp)
    app.register_blueprint(openapi.blp)
    app.register_blueprint(proxy.blp)
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

    # Behind compose's nginx every request comes from nginx: take the client address
    # (login throttling counts per address) from X-Forwarded-For, but only as many hops
    # as are trusted; without a proxy a client could claim any address.
    hops = int(settings.get("CRM_PROXY_HOPS"))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    auth.ensure_bootstrap_admin(settings.get("CRM_ADMIN_USERNAME"), settings.get("CRM_ADMIN_PASSWORD"))
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
