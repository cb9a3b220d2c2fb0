"""Events about staff users, produced by the gateway (which owns users and teams).

Services keep a directory of staff from these (``chassis.directory``) so one
visibility rule can answer "is this manager in the caller's branch or team" and
"is this an active manager of that branch" without asking the gateway. Never
credentials: no username, no password hash.
"""
from marshmallow import fields

from chassis.events import EventData, event_type

PRODUCER = "gateway"


class StaffMemberData(EventData):
    user_id = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "manager | supervisor | admin | auditor"})
    branch = fields.String(allow_none=True, metadata={"description": "branch code; null for bank-wide staff"})
    team = fields.List(fields.String(), load_default=list,
                       metadata={"description": "supervisors: ids of the managers they oversee"})
    active = fields.Boolean(required=True)


USER_CHANGED = event_type(
    "gateway.user.changed", 1, PRODUCER,
    "A staff user was created or changed (role, branch, team, active). Carries the full non-secret "
    "snapshot after the change; consumers keep it order-safe on subject_version.",
    StaffMemberData, consumers=("customer", "engagement", "feedback"))
