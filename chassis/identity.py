"""Who is calling, as asserted by the gateway and verified again here.

The gateway authenticates users and forwards their identity to services as a
short-lived JWT in ``X-Identity`` signed with CRM_INTERNAL_SECRET, so a service
never trusts a bare header and enforces ownership itself (defence in depth).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import jwt
from flask import current_app, g, request

from .errors import Problem, forbidden, not_found, unauthorized

# A user's branch by id ("" for bank-wide staff), None when unknown: chassis.directory.branch_of.
BranchOf = Callable[[str], str | None]

HEADER = "X-Identity"
ALGORITHM = "HS256"
AUDIENCE = "crm-services"

MANAGER = "manager"
SUPERVISOR = "supervisor"
ADMIN = "admin"
AUDITOR = "auditor"
SYSTEM = "system"  # workers acting on their own (never issued to a person)
ROLES = (MANAGER, SUPERVISOR, ADMIN, AUDITOR)


@dataclass(frozen=True)
class Identity:
    user_id: str
    role: str
    branch: str = ""
    team: tuple[str, ...] = field(default_factory=tuple)  # managers a supervisor oversees
    unmask: bool = False      # holds the right to see sensitive fields in clear
    purpose: str = ""         # stated purpose for unmasking, audited

    # --- who may see what: the one rule every service and the gateway use ------
    # Managers see their book, supervisors their team's books, admins their branch
    # (an admin without a branch is bank-wide), auditors no customer records; what a
    # caller may not see does not exist for them (404, never 403).
    def manager_ids_visible(self) -> set[str] | None:
        """Managers whose customers this caller sees; None means "by branch" (admins, system)."""
        if self.role == MANAGER:
            return {self.user_id}
        if self.role == SUPERVISOR:
            return {self.user_id, *self.team}
        if self.role in (ADMIN, SYSTEM):
            return None
        return set()

    @property
    def bank_wide(self) -> bool:
        return self.role == SYSTEM or (self.role == ADMIN and not self.branch)

    def can_see(self, manager_id: str | None, branch: str | None = None) -> bool:
        """May this caller see a record owned by ``manager_id`` in ``branch``?"""
        visible = self.manager_ids_visible()
        if visible is not None:
            return manager_id is not None and manager_id in visible
        # A record without a branch belongs to no branch admin: only bank-wide staff see it.
        return self.bank_wide or (branch or "") == self.branch

    def scope_filter(self, manager_field: str = "manager_id", branch_field: str = "branch") -> dict[str, Any]:
        """The same rule as ``can_see``, as a Mongo filter for lists and figures."""
        visible = self.manager_ids_visible()
        if visible is not None:
            return {manager_field: {"$in": sorted(visible)}}
        return {} if self.bank_wide else {branch_field: self.branch}

    def can_see_manager(self, manager_id: str | None, branch_of: BranchOf) -> bool:
        """May this caller see ``manager_id``'s book? ``branch_of(id)`` gives a user's branch
        (None when unknown), asked only for branch admins (chassis.directory.branch_of)."""
        visible = self.manager_ids_visible()
        if visible is not None:
            return manager_id is not None and manager_id in visible
        if self.bank_wide:
            return True
        branch = branch_of(manager_id) if manager_id else None
        return branch is not None and branch == self.branch

    def can_see_branch(self, branch: str | None) -> bool:
        """May this caller read a branch's own settings (policies, weights)? Its staff and
        bank-wide staff; another branch's do not exist for them."""
        return self.bank_wide or (branch is not None and branch == self.branch)

    def ensure_can_see_branch(self, branch: str | None) -> None:
        if not self.can_see_branch(branch):
            raise not_found("branch")

    def ensure_can_see(self, manager_id: str | None, branch: str | None = None, what: str = "customer") -> None:
        if not self.can_see(manager_id, branch):
            raise not_found(what)

    def ensure_can_see_manager(self, manager_id: str | None, branch_of: BranchOf | None = None) -> None:
        if branch_of is None:
            from . import directory
            branch_of = directory.branch_of
        if not self.can_see_manager(manager_id, branch_of):
            raise not_found("manager")

    def ensure_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise forbidden(f"This needs one of the roles: {', '.join(roles)}.")

    @property
    def may_unmask(self) -> bool:
        return self.unmask and bool(self.purpose)

    def to_claims(self) -> dict[str, Any]:
        d = asdict(self)
        d["team"] = list(self.team)
        return d


def issue(identity: Identity, secret: str, ttl: int = 60) -> str:
    now = int(time.time())
    claims = {**identity.to_claims(), "aud": AUDIENCE, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str, *, allow_system: bool = False) -> Identity:
    try:
        c = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE)
    except jwt.PyJWTError as exc:
        raise unauthorized(f"Invalid caller identity: {exc.__class__.__name__}.") from None
    # Workers act as SYSTEM in-process; no HTTP caller may claim it, even with a valid signature.
    if c.get("role") not in ((*ROLES, SYSTEM) if allow_system else ROLES):
        raise unauthorized("Unknown role.")
    return Identity(
        user_id=str(c["user_id"]), role=c["role"], branch=c.get("branch", ""),
        team=tuple(c.get("team", [])), unmask=bool(c.get("unmask")), purpose=c.get("purpose", ""),
    )


def load_from_request() -> None:
    token = request.headers.get(HEADER)
    g.identity = verify(token, current_app.config["CRM_SETTINGS"].internal_secret) if token else None


def current() -> Identity:
    ident: Identity | None = getattr(g, "identity", None)
    if ident is None:
        raise unauthorized()
    return ident


def system(service: str) -> Identity:
    return Identity(user_id=f"system:{service}", role=SYSTEM)


__all__ = ["Identity", "issue", "verify", "current", "system", "Problem",
           "MANAGER", "SUPERVISOR", "ADMIN", "AUDITOR", "SYSTEM", "ROLES", "HEADER"]
