"""Login, refresh (single-use, rotated), the caller's identity, and user creation."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from pymongo.errors import DuplicateKeyError

from chassis import identity as ident
from chassis.errors import Problem, conflict, unauthorized

from . import tokens
from .throttle import Throttle
from .users import User, check_password, hash_password, load_active, needs_rehash

REFRESH_TTL = 8 * 3600

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Authentication and users")


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 100))
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)


class RefreshIn(Schema):
    refresh_token = fields.String(required=True)


class TokensOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserIn(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,50}$"))
    password = fields.String(required=True, validate=validate.Length(12, 200), load_only=True)
    role = fields.String(required=True, validate=validate.OneOf(ident.ROLES))
    branch = fields.String(load_default="")
    team = fields.List(fields.String(), load_default=list)
    can_unmask = fields.Boolean(load_default=False)


class UserOut(Schema):
    id = fields.String()
    username = fields.String()
    role = fields.String()
    branch = fields.String()
    team = fields.List(fields.String())
    can_unmask = fields.Boolean()
    active = fields.Boolean()


def _secret() -> str:
    return current_app.config["CRM_JWT_SECRET"]


def _ttl() -> int:
    return int(current_app.config["CRM_SETTINGS"].get("CRM_ACCESS_TOKEN_TTL"))


def _throttle() -> Throttle:
    return Throttle(User._get_db()["login_failures"])


def _tokens(user: User) -> dict:
    return {"access_token": tokens.issue(user, _secret(), _ttl()),
            "refresh_token": tokens.issue(user, _secret(), REFRESH_TTL, kind="refresh"),
            "token_type": "Bearer", "expires_in": _ttl()}


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(LoginIn)
    @blp.response(200, TokensOut)
    @blp.alt_response(401, description="Wrong username or password")
    @blp.alt_response(429, description="Too many failed attempts (Retry-After says how long to wait)")
    def post(self, data):
        """Sign in: a short-lived access token and a refresh token"""
        throttle = _throttle()
        attempt = throttle.begin(data["username"], request.remote_addr or "?")
        user = User.objects(username=data["username"], active=True).first()
        if not check_password(user, data["password"]):
            throttle.failed(attempt)
            raise unauthorized("Wrong username or password.")
        throttle.succeeded(attempt)
        if needs_rehash(user):   # hashing parameters were raised since this password was set
            User._get_collection().update_one({"_id": user.id},
                                              {"$set": {"password_hash": hash_password(data["password"])}})
        return _tokens(user)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshIn)
    @blp.response(200, TokensOut)
    @blp.alt_response(401, description="Invalid, expired or already used refresh token")
    def post(self, data):
        """Exchange a refresh token for new tokens (each refresh token works once)"""
        claims = tokens.verify(data["refresh_token"], _secret(), kind="refresh")
        used = User._get_db()["refresh_used"]
        try:
            # Rotation: a unique insert makes each refresh token single-use, even
            # when two requests race with the same token.
            used.insert_one({"_id": claims["jti"], "sub": claims["sub"], "exp": claims["exp"]})
        except DuplicateKeyError:
            raise unauthorized("Refresh token already used.") from None
        # An expired token is refused by its signature check anyway; no TTL index on FerretDB.
        used.delete_many({"exp": {"$lt": int(time.time())}})
        user = User.objects(id=claims["sub"], active=True).first()
        if user is None:
            raise unauthorized("Unknown user.")
        return _tokens(user)


def authenticate() -> ident.Identity:
    """The caller of this request, from the Bearer token (and a stated unmask purpose)."""
    if getattr(g, "identity", None) is not None:
        return g.identity
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise unauthorized()
    claims = tokens.verify(header[7:], _secret())
    user = load_active(claims["sub"])
    if user is None:
        raise unauthorized("Unknown user.")
    purpose = (request.headers.get("X-Unmask-Purpose") or "").strip()[:200]
    g.identity = ident.Identity(user_id=user.id, role=user.role, branch=user.branch or "",
                                team=tuple(user.team or ()), unmask=bool(user.can_unmask and purpose),
                                purpose=purpose if user.can_unmask else "")
    return g.identity


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        """The signed-in user"""
        return User.objects(id=authenticate().user_id).first()


def create_user(username: str, password: str, role: str, branch: str = "", team=(), can_unmask=False) -> User:
    user = User(id=str(uuid.uuid4()), username=username, password_hash=hash_password(password), role=role,
                branch=branch, team=list(team), can_unmask=can_unmask, created_at=datetime.now(timezone.utc))
    try:
        User._get_collection().insert_one(user.to_mongo().to_dict())
    except DuplicateKeyError:
        raise conflict("That username is taken.", slug="username-taken") from None
    return user


def ensure_bootstrap_admin(username: str | None, password: str | None) -> None:
    if not username:
        return
    if not password or len(password) < 12:
        raise RuntimeError("CRM_ADMIN_PASSWORD (12+ characters) is required with CRM_ADMIN_USERNAME")
    if User.objects(username=username).first() is None:
        try:
            create_user(username, password, ident.ADMIN, can_unmask=False)
        except Problem:
            pass  # another gateway worker created it first
