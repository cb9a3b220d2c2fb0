"""User administration for branch admins: create, list, deactivate, set a supervisor's team,
grant or revoke the right to unmask.

An admin manages the users of their own branch (an admin without a branch, like the
bootstrap admin, manages all); users of other branches are 404, as everywhere. Every
change goes through the versioned store (gateway/users.py): its change record is the
audit of user administration and its event keeps the services' staff directory.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from chassis import identity as ident
from chassis.errors import conflict, forbidden, invalid, not_found
from chassis.http import page
from chassis.openapi import problems
from chassis.schemas import StrictBoolean

from .auth import UserIn, UserOut, authenticate
from .users import User, change, create_user, end_sessions

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User administration (admins)")


class UserQuery(Schema):
    role = fields.String(validate=validate.OneOf(ident.ROLES))
    active = fields.Boolean()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(metadata={"description": "`next_cursor` of the previous page"})


class UserPage(Schema):
    items = fields.List(fields.Nested(UserOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "send as `cursor` for the next page; null on the last"})


class UnmaskIn(Schema):
    can_unmask = StrictBoolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(3, 500),
                           metadata={"description": "why the right is granted or revoked (audited)"})


class TeamIn(Schema):
    team = fields.List(fields.String(validate=validate.Length(1, 100)), required=True,
                       validate=validate.Length(max=200))


def _admin() -> ident.Identity:
    who = authenticate()
    who.ensure_role(ident.ADMIN)
    return who


def _in_scope(who: ident.Identity, user: User | None) -> User:
    if user is None or (who.branch and user.branch != who.branch):
        raise not_found("user")
    return user


def _row(d: dict) -> dict:
    return {**d, "id": d["_id"], "active": d.get("active", True)}


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserPage)
    @problems(blp, 400, 403)
    def get(self, q):
        """Users of the admin's branch, by username (cursor pagination)

        For admins: the users of their own branch (every user for a bank-wide admin),
        sorted by username, optionally only one `role` or only `active`/inactive ones.
        At most `limit` a page; pass `next_cursor` back as `cursor` for the next (a cursor
        that is not one is 400).
        """
        who = _admin()
        query = {k: q[k] for k in ("role", "active") if k in q}
        if who.branch:
            query["branch"] = who.branch
        rows, nxt = page(User._get_collection(), query, [("username", 1)], q["limit"], q.get("cursor"))
        return {"items": [_row(r) for r in rows], "next_cursor": nxt}

    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    @problems(blp, 403, 409)
    def post(self, data):
        """Create a user (the branch defaults to the admin's own)

        `username` is 3–50 letters, digits, `_`, `.` or `-`; `password` 12+ characters. A
        branch admin creates users in their own branch only (another branch is 403). Only
        supervisors have a `team`, of active managers of the branch (else 422 naming `team`).
        A username already taken is 409. The change is recorded in the audit trail and
        announced to the services (`gateway.user.changed`).
        """
        who = _admin()
        data["branch"] = data.get("branch") or who.branch
        if who.branch and data["branch"] != who.branch:
            raise forbidden("Admins create users in their own branch only.")
        if data["team"]:
            if data["role"] != ident.SUPERVISOR:
                raise invalid({"team": ["Only supervisors have a team."]})
            _check_team(who, data["team"])
        return create_user(who, **data)


@blp.route("/<user_id>")
class UserItem(MethodView):
    @blp.response(200, UserOut)
    @problems(blp, 403)
    def get(self, user_id):
        """One user

        For admins. A user of another branch is 404, like one that does not exist.
        """
        return _in_scope(_admin(), User.objects(id=user_id).first())


def _check_team(who: ident.Identity, team: list[str]) -> None:
    found = {u.id: u for u in User.objects(id__in=list(team))}
    bad = [m for m in team if m not in found or found[m].role != ident.MANAGER or not found[m].active
           or (who.branch and found[m].branch != who.branch)]
    if bad:
        raise invalid({"team": [f"Not an active manager of this branch: {', '.join(bad)}"]})


@blp.route("/<user_id>/team")
class Team(MethodView):
    @blp.arguments(TeamIn)
    @blp.response(200, UserOut)
    @problems(blp, 403, 409, 412)
    def put(self, data, user_id):
        """Set the managers a supervisor oversees (replaces the team)

        `team` lists the ids of active managers of the admin's branch (anything else is 422
        naming `team`); it replaces the previous team. A user who is not a supervisor is
        409 (`not-a-supervisor`). 412 when the user kept changing concurrently (retry).
        """
        who = _admin()
        user = _in_scope(who, User.objects(id=user_id).first())
        if user.role != ident.SUPERVISOR:
            raise conflict("Only supervisors have a team.", slug="not-a-supervisor")
        team = list(dict.fromkeys(data["team"]))
        _check_team(who, team)
        return change(user.id, lambda u: setattr(u, "team", team), who, reason="team set")


@blp.route("/<user_id>/unmask")
class Unmask(MethodView):
    @blp.arguments(UnmaskIn)
    @blp.response(200, UserOut)
    @problems(blp, 403, 409, 412)
    def put(self, data, user_id):
        """Grant or revoke the right to see sensitive fields in clear (audited, with the reason)

        With the right, the user may send `X-Unmask-Purpose` to see a customer's sensitive
        fields in clear; every such read is audited. The `reason` (3–500 characters) is
        recorded with the change. Admins cannot change their own right (409 `self-grant`).
        412 when the user kept changing concurrently (retry).
        """
        who = _admin()
        user = _in_scope(who, User.objects(id=user_id).first())
        if user.id == who.user_id:
            # Separation of duties: nobody widens their own access to customer data.
            raise conflict("You cannot change your own unmask right.", slug="self-grant")
        verb = "granted" if data["can_unmask"] else "revoked"
        return change(user.id, lambda u: setattr(u, "can_unmask", data["can_unmask"]), who,
                      reason=f"unmask right {verb}: {data['reason']}")


def _set_active(user_id: str, active: bool) -> User:
    who = _admin()
    user = _in_scope(who, User.objects(id=user_id).first())
    if user.id == who.user_id and not active:
        raise conflict("You cannot deactivate yourself.", slug="self-deactivation")
    changed = change(user.id, lambda u: setattr(u, "active", active), who,
                     reason="activated" if active else "deactivated")
    if not active:
        # Reactivation must not revive tokens issued before: the user signs in again.
        end_sessions(user.id)
    return changed


@blp.route("/<user_id>/deactivate")
class Deactivate(MethodView):
    @blp.response(200, UserOut)
    @problems(blp, 403, 409, 412)
    def post(self, user_id):
        """Deactivate a user: their tokens stop working (within seconds on every worker)

        The user can no longer sign in and every session they hold ends; reactivating them
        does not revive those sessions. Deactivating yourself is 409 (`self-deactivation`).
        No body.
        """
        return _set_active(user_id, False)


@blp.route("/<user_id>/activate")
class Activate(MethodView):
    @blp.response(200, UserOut)
    @problems(blp, 403, 412)
    def post(self, user_id):
        """Reactivate a user

        The user may sign in again (old sessions stay ended). Activating an active user
        changes nothing and answers it as it is. No body.
        """
        return _set_active(user_id, True)
