"""The console's sign-in: the refresh token in an httpOnly cookie, never seen by scripts.

The web console (web/, served at /console/) keeps its access token in memory only; the
refresh token travels as a cookie that is httpOnly (no script reads it), SameSite=Strict
(no other site's page sends it) and scoped to these routes' path (no other request carries
it). A reload restores the session with one refresh. Against cross-site request forgery,
besides SameSite, every route here needs the ``X-CRM-Console: 1`` header, which a form
cannot send and a cross-origin script could only send after a CORS preflight the gateway
does not allow for it. Rotation, reuse detection and throttling are the JSON routes' own
(auth.sign_in, auth.rotate): mobile clients keep using those.
"""
from __future__ import annotations

from flask import Response, after_this_request, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from chassis.errors import Problem, unauthorized
from chassis.openapi import problems

from . import sessions, tokens
from .auth import LoginIn, _secret, rotate, sign_in
from .sessions import REFRESH_TTL

PREFIX = "/api/v1/auth/console"
COOKIE = "crm_console_refresh"
HEADER = "X-CRM-Console"

blp = Blueprint("console-auth", __name__, url_prefix=PREFIX,
                description="The web console's sign-in, with the refresh token in an httpOnly cookie")

CONSOLE_HEADER = {"in": "header", "name": HEADER, "required": True,
                  "schema": {"type": "string", "enum": ["1"]},
                  "description": "Must be `1`: proves the call comes from the console's own scripts (CSRF)."}
COOKIE_PARAM = {"in": "cookie", "name": COOKIE, "required": False, "schema": {"type": "string"},
                "description": "The refresh token the gateway set (httpOnly; browsers send it by themselves)."}
SET_COOKIE = {"Set-Cookie": {"description": f"`{COOKIE}=<refresh token>; HttpOnly; SameSite=Strict; "
                                             f"Path={PREFIX}; Max-Age={REFRESH_TTL}` (and `Secure` over HTTPS)",
                             "schema": {"type": "string"}}}
CLEAR_COOKIE = {"Set-Cookie": {"description": f"`{COOKIE}=; Max-Age=0; Path={PREFIX}`: the cookie removed",
                               "schema": {"type": "string"}}}


class ConsoleTokensOut(Schema):
    access_token = fields.String(required=True, metadata={"description": "send as `Authorization: Bearer <token>`; "
                                                                          "keep it in memory only"})
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, metadata={"description": "seconds the access token lives",
                                                         "example": 900})


def _secure() -> bool:
    # Over HTTPS (or when told the edge is HTTPS) the cookie is Secure; plain-HTTP local runs
    # and tests would lose it otherwise.
    flag = (current_app.config["CRM_SETTINGS"].get("CRM_SECURE_COOKIES") or "").lower()
    return request.is_secure or flag in ("1", "true", "yes")


def _require_header() -> None:
    if request.headers.get(HEADER) != "1":
        raise Problem(403, "console-header-required", "Forbidden",
                      f"This route needs the {HEADER}: 1 header (the console sends it).")


def _set_cookie(value: str | None) -> None:
    @after_this_request
    def _cookie(resp: Response) -> Response:
        if value is None:
            resp.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="Strict", secure=_secure())
        else:
            resp.set_cookie(COOKIE, value, max_age=REFRESH_TTL, path=PREFIX, httponly=True,
                            samesite="Strict", secure=_secure())
        resp.headers["Cache-Control"] = "no-store"
        return resp


def _answer(pair: dict) -> dict:
    _set_cookie(pair["refresh_token"])
    return {k: pair[k] for k in ("access_token", "token_type", "expires_in")}


@blp.route("/login")
class ConsoleLogin(MethodView):
    @blp.doc(parameters=[CONSOLE_HEADER])
    @blp.arguments(LoginIn)
    @blp.response(200, ConsoleTokensOut, headers=SET_COOKIE)
    @problems(blp, 403, 429)
    def post(self, data):
        """Sign in to the console: the access token in the body, the refresh token as a cookie

        Like `POST /api/v1/auth/login` (same throttling, same 401 for a wrong username or
        password), but the refresh token is set as an httpOnly, SameSite=Strict cookie scoped
        to `/api/v1/auth/console` instead of being returned. 403 without `X-CRM-Console: 1`.
        """
        _require_header()
        return _answer(sign_in(data["username"], data["password"]))


@blp.route("/refresh")
class ConsoleRefresh(MethodView):
    @blp.doc(parameters=[CONSOLE_HEADER, COOKIE_PARAM])
    @blp.response(200, ConsoleTokensOut, headers=SET_COOKIE)
    @problems(blp, 403)
    def post(self):
        """A new access token from the refresh cookie (the cookie is rotated)

        The console calls this at startup (a reload keeps the session) and before its access
        token expires. The cookie's refresh token works once, like the JSON refresh: a used
        one coming back ends the session. 401 (and the cookie removed) without a valid
        cookie; 403 without `X-CRM-Console: 1`. No body.
        """
        _require_header()
        value = request.cookies.get(COOKIE)
        if not value:
            raise unauthorized("Not signed in.")
        try:
            return _answer(rotate(value))
        except Problem:
            _set_cookie(None)
            raise


@blp.route("/logout")
class ConsoleLogout(MethodView):
    @blp.doc(parameters=[CONSOLE_HEADER, COOKIE_PARAM])
    @blp.response(204, description="Signed out; the cookie is removed", headers=CLEAR_COOKIE)
    @problems(blp, 403)
    def post(self):
        """Sign out of the console: the session ends and the cookie is removed

        Ends the session the refresh cookie belongs to (its refresh and access tokens stop
        working), and that of the access token when one is sent. Answers 204 even when there
        was no session left to end. 403 without `X-CRM-Console: 1`.
        """
        _require_header()
        _set_cookie(None)
        for kind, value in (("refresh", request.cookies.get(COOKIE)),
                            ("access", request.headers.get("Authorization", "").removeprefix("Bearer "))):
            if not value:
                continue
            try:
                claims = tokens.verify(value, _secret(), kind=kind)
            except Problem:
                continue   # expired or forged: nothing of it to end
            if claims.get("fam"):
                sessions.revoke(claims["fam"], claims["sub"], "logout")
