"""The gateway: the one public entry point (auth, routing, composed views, docs)."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from chassis import db as dbmod, logs
from chassis.app import install_common
from chassis.config import DEV_SECRET, load_settings

from . import auth, proxy


def create_app(**overrides) -> Flask:
    settings = load_settings("gateway", **overrides)
    logs.configure("gateway", settings.log_level)
    app = Flask("gateway")
    app.config.update(
        CRM_SETTINGS=settings,
        CRM_JWT_SECRET=settings.get("CRM_JWT_SECRET") or DEV_SECRET + "-jwt",
        API_TITLE="Bank CRM API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs", OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    )
    app.json.ensure_ascii = False
    dbmod.connect(settings)
    api = Api(app)
    api.register_blueprint(auth.blp)
    app.register_blueprint(proxy.blp)
    # The gateway verifies users itself; it does not accept X-Identity from outside.
    install_common(app, settings, verify_identity=False)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": "gateway"}

    auth.ensure_bootstrap_admin(settings.get("CRM_ADMIN_USERNAME"), settings.get("CRM_ADMIN_PASSWORD"))
    return app
