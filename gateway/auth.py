"""Login, refresh (single-use, rotated), logout, password change and the caller's identity."""
from __future__ import annotations

import time
import uuid
from urllib.parse import unquote

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from pymongo.errors import DuplicateKeyError

from chassis import identity as ident
from chassis.errors import Problem, invalid, unauthorized
from chassis.exceptions import AlreadyExists
from chassis.openapi import problems
from chassis.schemas import StrictBoolean

from . import sessions, tokens
from .sessions import REFRESH_TTL
from .throttle import Throttle
from .users import User, bootstrap_id, create_user, forget, load_session, set_password, verify_password

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Authentication and users")


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 100))
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)


class RefreshIn(Schema):
    refresh_token = fields.String(required=True, metadata={"description": "the refresh token of the last sign-in "
                                                                          "or refresh (each works once)"})


class TokensOut(Schema):
    access_token = fields.String(required=True, metadata={"description": "send as `Authorization: Bearer <token>`"})
    refresh_token = fields.String(required=True, metadata={"description": "single use, lives 8 hours"})
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, metadata={"description": "seconds the access token lives",
                                                         "example": 900})


class UserIn(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,50}$"))
    password = fields.String(required=True, validate=validate.Length(12, 200), load_only=True)
    role = fields.String(required=True, validate=validate.OneOf(ident.ROLES))
    branch = fields.String(load_default="", validate=validate.Length(max=100),
                           metadata={"description": "default: the admin's own branch"})
    team = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list,
                       validate=validate.Length(max=200),
                       metadata={"description": "supervisors only: ids of active managers of the branch"})
    can_unmask = StrictBoolean(load_default=False, metadata={"description": "may see sensitive fields in clear"})


class UserOut(Schema):
    id = fields.String(required=True, metadata={"description": "also the manager id the services use"})
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ident.ROLES))
    branch = fields.String(allow_none=True, metadata={"description": "empty: no branch (bank-wide)"})
    team = fields.List(fields.String(), metadata={"description": "supervisors: the managers they oversee"})
    can_unmask = fields.Boolean()
    active = fields.Boolean()


def _secret() -> str:
    return current_app.config["CRM_JWT_SECRET"]


def _ttl() -> int:
    return int(current_app.config["CRM_SETTINGS"].get("CRM_ACCESS_TOKEN_TTL"))


class PasswordIn(Schema):
    current_password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(12, 200), load_only=True)


def _throttle() -> Throttle:
    db = User._get_db()
    return Throttle(db["login_failures"], db["login_known"])


def _address() -> str:
    # The client's address (gateway/clientaddr.py believes X-Forwarded-For only from
    # CRM_TRUSTED_PROXIES).
    return request.remote_addr or "?"


def _tokens(user: User, stamp: str, family: str | None = None) -> dict:
    family = family or str(uuid.uuid4())   # a login starts a new session
    return {"access_token": tokens.issue(user, _secret(), _ttl(), family=family, stamp=stamp),
            "refresh_token": tokens.issue(user, _secret(), REFRESH_TTL, kind="refresh",
                                          family=family, stamp=stamp),
            "token_type": "Bearer", "expires_in": _ttl()}


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(LoginIn)
    @blp.response(200, TokensOut, example={"access_token": "eyJhbGciOiJIUzI1NiIs...",
                                           "refresh_token": "eyJhbGciOiJIUzI1NiIs...",
                                           "token_type": "Bearer", "expires_in": 900})
    @problems(blp, 429)
    def post(self, data):
        """Sign in: a short-lived access token and a refresh token

        Send the access token as `Authorization: Bearer <access_token>` on every other call;
        it lives `expires_in` seconds. Before then, trade the refresh token for a new pair at
        `POST /api/v1/auth/refresh`. A wrong username or password is 401 (the same answer for
        both). Repeated failures from one address, or for one account from unknown addresses,
        are refused with 429 and a `Retry-After` header (seconds).
        """
        return sign_in(data["username"], data["password"])


def sign_in(username: str, password: str) -> dict:
    """Tokens of a new session, throttled (shared with the console's cookie sign-in)."""
    throttle = _throttle()
    attempt = throttle.begin(username, _address())
    user = User.objects(username=username, active=True).first()
    cred = verify_password(user.id if user else None, password)
    if cred is None:
        throttle.failed(attempt)
        raise unauthorized("Wrong username or password.")
    throttle.succeeded(attempt)
    return _tokens(user, cred["stamp"])


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshIn)
    @blp.response(200, TokensOut)
    def post(self, data):
        """Exchange a refresh token for new tokens (each works once; reusing one ends its session)

        Answers a new access token and a new refresh token of the same session; the refresh
        token sent stops working. 401 when it is invalid, expired or already used, when the
        session was ended (logout, password change, deactivation) — presenting a used one
        ends its whole session, since someone else holds the chain. No `Authorization`
        header is needed: the refresh token is the credential.
        """
        return rotate(data["refresh_token"])


def rotate(refresh_token: str) -> dict:
    """A refresh token traded for a new pair of the same session (each token works once;
    a used one coming back ends the session). Shared by the JSON-body refresh (mobile
    clients) and the console's cookie refresh (gateway/consoleauth.py)."""
    claims = tokens.verify(refresh_token, _secret(), kind="refresh")
    family = claims.get("fam")
    if not family:
        raise unauthorized("Session ended.")   # issued before sessions existed: sign in again
    used = User._get_db()["refresh_used"]
    try:
        # Rotation: a unique insert makes each refresh token single-use, even
        # when two requests race with the same token.
        used.insert_one({"_id": claims["jti"], "sub": claims["sub"], "exp": claims["exp"], "fam": family})
    except DuplicateKeyError:
        # A used token coming back means two parties hold the chain (a stolen token,
        # or the owner after the thief): end the whole session (OAuth 2.0 security BCP).
        sessions.revoke(family, claims["sub"], "refresh token reused")
        raise unauthorized("Refresh token already used; the session has been ended.") from None
    # An expired token is refused by its signature check anyway; no TTL index on FerretDB.
    used.delete_many({"exp": {"$lt": int(time.time())}})
    if sessions.is_revoked(family, cached=False):
        raise unauthorized("Session ended.")
    forget(claims["sub"])   # refresh always reads the database
    user, stamp = load_session(claims["sub"])
    if user is None:
        raise unauthorized("Unknown user.")
    if claims.get("stm") != stamp:
        raise unauthorized("Session ended.")   # the password changed since
    return _tokens(user, stamp or "", family)   # no stamp (a legacy user): none in the tokens either


def authenticate() -> ident.Identity:
    """The caller of this request, from the Bearer token (and a stated unmask purpose)."""
    if getattr(g, "identity", None) is not None:
        return g.identity
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise unauthorized()
    claims = tokens.verify(header[7:], _secret())
    user, stamp = load_session(claims["sub"])
    if user is not None and claims.get("stm") != stamp:
        # A token newer than this worker's cache (issued by a password change on another
        # worker a moment ago) must work at once: read again before refusing.
        forget(claims["sub"])
        user, stamp = load_session(claims["sub"])
    if user is None:
        raise unauthorized("Unknown user.")
    # Logout ends the token's session and a password change every session of the user:
    # both take effect on access tokens too, not only when they next refresh.
    if claims.get("stm") != stamp or not claims.get("fam") or sessions.is_revoked(claims["fam"]):
        raise unauthorized("Session ended.")
    g.token_claims = claims
    # Header values are Latin-1: a browser sends a Chinese purpose percent-encoded (UTF-8).
    purpose = unquote(request.headers.get("X-Unmask-Purpose") or "").strip()[:200]
    g.identity = ident.Identity(user_id=user.id, role=user.role, branch=user.branch or "",
                                team=tuple(user.team or ()), unmask=bool(user.can_unmask and purpose),
                                purpose=purpose if user.can_unmask else "")
    return g.identity


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        """The signed-in user

        The caller's id (also their manager id in the services), username, role, branch,
        team (supervisors) and whether they may unmask sensitive fields.
        """
        return User.objects(id=authenticate().user_id).first()


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.response(204, description="Signed out")
    def post(self):
        """Sign out: this session's refresh and access tokens stop working

        Ends the session the access token belongs to: its refresh token and every access
        token issued in it stop working (at once on this gateway worker, within seconds on
        every other). Other sessions of the same user are not touched. No body.
        """
        who = authenticate()
        sessions.revoke(g.token_claims["fam"], who.user_id, "logout")


@blp.route("/auth/password")
class Password(MethodView):
    @blp.arguments(PasswordIn)
    @blp.response(200, TokensOut)
    @problems(blp, 429)
    def post(self, data):
        """Change your password: every session ends; the answer holds tokens for a new one

        `new_password` needs 12+ characters and must differ from the current one. Every
        session of the user ends, this one included; continue with the tokens in the answer.
        A wrong `current_password` is 422 naming that field and counts as a failed sign-in
        (throttled like login: 429 with `Retry-After`).
        """
        who = authenticate()
        user = User.objects(id=who.user_id).first()
        # A stolen access token must not become an unthrottled password oracle.
        throttle = _throttle()
        attempt = throttle.begin(user.username, _address())
        if verify_password(user.id, data["current_password"]) is None:
            throttle.failed(attempt)
            raise invalid({"current_password": ["Wrong password."]})
        throttle.succeeded(attempt)
        if data["new_password"] == data["current_password"]:
            raise invalid({"new_password": ["Must differ from the current password."]})
        stamp = set_password(user.id, data["new_password"])   # a new stamp ends every session
        sessions.revoke(g.token_claims["fam"], user.id, "password changed")
        return _tokens(user, stamp)


def ensure_bootstrap_admin(username: str | None, password: str | None) -> None:
    if not username:
        return
    if not password or len(password) < 12:
        raise RuntimeError("CRM_ADMIN_PASSWORD (12+ characters) is required with CRM_ADMIN_USERNAME")
    if User.objects(username=username).first() is not None:
        return
    try:
        create_user(ident.system("gateway"), username, password, ident.ADMIN, user_id=bootstrap_id(username),
                    reason="bootstrap admin (CRM_ADMIN_USERNAME)")
    except AlreadyExists:
        pass   # another gateway worker created it first
    except Problem as p:
        if p.status != 409:
            raise   # 409: its username taken in the same instant
