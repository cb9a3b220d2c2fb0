"""The audit trail: who read sensitive data unmasked, and who changed what.

Changes are audited by their change records (written atomically with the
change, so none is missed); unmasked reads are recorded here. Each service
exposes both under GET /api/v1/audit for auditors; the gateway merges them.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from . import context as trace, db as dbmod, identity as ident
from .openapi import problems
from .store import CHANGES, OUTBOX, fill_creation_diffs

AUDIT = "audit"

blueprint = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                      description="Audit trail of unmasked reads and changes (auditors, admins)")


READ_UNMASKED = "read_unmasked"
DUPLICATE_REFUSED = "duplicate_refused"   # a registration hit a customer the caller may not see
SUITABILITY_REFUSED = "suitability_refused"   # a product the customer may not be offered was proposed (适当性)


def record_read(customer_id: str, fields_: list[str], resource: str = "customer",
                resource_id: str | None = None, branch: str | None = None) -> None:
    """Record that the caller saw ``fields_`` of a customer in clear."""
    record(READ_UNMASKED, customer_id, fields_, resource, resource_id, branch, purpose=ident.current().purpose)


def record(action: str, customer_id: str, fields_: list[str], resource: str = "customer",
           resource_id: str | None = None, branch: str | None = None, purpose: str | None = None,
           actor: ident.Identity | None = None) -> None:
    """One entry of the trail about a customer, by ``actor`` (default: this request's caller)."""
    who = actor or ident.current()
    dbmod.database()[AUDIT].insert_one({
        "_id": str(uuid.uuid4()), "at": datetime.now(timezone.utc), "action": action,
        "actor": {"user_id": who.user_id, "role": who.role}, "purpose": purpose,
        "customer_id": customer_id, "branch": branch or None,
        "resource": resource, "resource_id": resource_id or customer_id,
        "fields": sorted(fields_), "request_id": trace.current().request_id,
    })


class AuditQuery(Schema):
    customer_id = fields.String()
    actor = fields.String()
    since = fields.DateTime()
    until = fields.DateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class AuditActor(Schema):
    user_id = fields.String()
    role = fields.String()


class AuditEntry(Schema):
    at = fields.DateTime()
    action = fields.String(validate=validate.OneOf([READ_UNMASKED, DUPLICATE_REFUSED, SUITABILITY_REFUSED,
                                                             "create", "update"]))
    actor = fields.Nested(AuditActor)
    purpose = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    resource = fields.String()
    resource_id = fields.String()
    # Named "fields" in the document; an attribute of that name would hide Schema.fields.
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    request_id = fields.String(allow_none=True)


@blueprint.route("")
class AuditTrail(MethodView):
    @blueprint.arguments(AuditQuery, location="query")
    @blueprint.response(200, AuditEntry(many=True))
    @problems(blueprint, 403)
    def get(self, q: dict[str, Any]) -> list[dict[str, Any]]:
        """This service's audit trail

        Unmasked reads and changes, newest first, at most `limit`: who, when, what
        (`resource`, `resource_id`, the `fields` read or changed) and why (`purpose`: the
        stated purpose of a read, the reason of a change). Auditors and admins only (403
        for others), of their branch unless bank-wide. The gateway merges every service's
        trail at GET /api/v1/audit.
        """
        who = ident.current()
        who.ensure_role(ident.AUDITOR, ident.ADMIN)
        # Auditors and admins read the trail of their branch; bank-wide ones all of it.
        return query(**q, branch=who.branch or None)


def query(customer_id: str | None = None, actor: str | None = None, since: datetime | None = None,
          until: datetime | None = None, limit: int = 100, branch: str | None = None) -> list[dict[str, Any]]:
    database = dbmod.database()
    reads_q: dict[str, Any] = {}
    changes_q: dict[str, Any] = {}
    if branch:
        reads_q["branch"] = changes_q["branch"] = branch
    if customer_id:
        # Every record about the customer: the profile and visits, complaints, gifts...
        reads_q["customer_id"] = changes_q["customer_id"] = customer_id
    if actor:
        reads_q["actor.user_id"] = actor
        changes_q["actor.user_id"] = actor
    for q, key in ((reads_q, "at"), (changes_q, "recorded_at")):
        rng: dict[str, datetime] = {}
        if since:
            rng["$gte"] = since
        if until:
            rng["$lte"] = until
        if rng:
            q[key] = rng
    entries = list(database[AUDIT].find(reads_q).sort([("at", -1)]).limit(limit))
    # History plus what the relay has not moved there yet.
    changes = {c["_id"]: c for coll in (OUTBOX, CHANGES)
               for c in database[coll].find(changes_q, {"state": 0, "events": 0})
               .sort([("recorded_at", -1)]).limit(limit)}
    fill_creation_diffs(database, changes.values())
    for c in changes.values():
        entries.append({
            "at": c["recorded_at"], "action": "create" if c["version"] == 1 else "update",
            "actor": c.get("actor"), "purpose": c.get("reason"),
            "customer_id": c.get("customer_id"),
            "resource": c["aggregate_type"], "resource_id": c["aggregate_id"],
            "fields": [d["field"] for d in c.get("diff", [])], "request_id": c.get("request_id"),
        })
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]
