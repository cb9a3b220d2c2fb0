"""Every service's copy of the staff directory, kept from the gateway's user events.

The gateway owns users; a service needs to know a few facts about a user that
the caller's identity does not carry: the branch of a manager an admin asks
about, and whether an assignment target is an active user of the right role and
branch. One handler (``apply``) keeps the copy, order-safe on the user's version.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis import copies, db as dbmod
from chassis.errors import invalid
from chassis.events import Envelope

from .identity import Identity
from .ports import Ports

COLLECTION = "staff"
FIELDS = ("role", "branch", "team", "active")


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    role: str
    branch: str
    team: tuple[str, ...]
    active: bool


def apply(envelope: Envelope) -> bool:
    """Handler of gateway.user.changed."""
    return copies.apply(dbmod.database()[COLLECTION], envelope, copies.pick(envelope.data, FIELDS))


class StaffCopy:
    """The local copy in this service's database (the real adapter of ``ports.staff``)."""

    def get(self, user_id: str | None) -> StaffMember | None:
        if not user_id:
            return None
        d = dbmod.database()[COLLECTION].find_one({"_id": user_id})
        if d is None:
            return None
        return StaffMember(user_id=d["_id"], role=d.get("role", ""), branch=d.get("branch") or "",
                           team=tuple(d.get("team") or ()), active=bool(d.get("active")))


# Unit tests of a service's use cases bind chassis.fakes.FakeDirectory here.
ports = Ports(staff=StaffCopy)


def get(user_id: str | None) -> StaffMember | None:
    member: StaffMember | None = ports.staff.get(user_id)
    return member


def branch_of(user_id: str) -> str | None:
    """The branch of a known user ("" for bank-wide staff); None when unknown here."""
    member = get(user_id)
    return None if member is None else member.branch


def assignable(who: Identity, user_id: str, roles: tuple[str, ...], field: str) -> StaffMember:
    """The staff member ``who`` may hand work to: known here, active, of one of ``roles``,
    and inside the caller's scope (team or branch). 422 on ``field`` otherwise, with
    the same words whether the user does not exist or is out of reach."""
    if user_id == who.user_id and who.role in roles:
        # The caller: the gateway has just checked they are active, whatever our copy says.
        return StaffMember(who.user_id, who.role, who.branch, who.team, True)
    member = get(user_id)
    if member is None and user_id in who.team and "manager" in roles:
        # A supervisor's team comes signed from the gateway, which admits only active managers
        # of the supervisor's branch: good enough until the directory has caught up.
        member = StaffMember(user_id, "manager", who.branch, (), True)
    if member is None or not member.active or member.role not in roles \
            or not who.can_see_manager(user_id, lambda _: member.branch):
        raise invalid({field: [f"Not an active {' or '.join(roles)} you may assign to."]})
    return member
