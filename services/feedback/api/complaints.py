"""Complaints (投诉): workflow with SLA deadlines, history."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag, if_match_version, page

from .. import complaints as ops
from .. import policies, rules
from ..models import Complaint
from ..schemas import (AssignIn, ComplaintIn, ComplaintOut, ComplaintPage, ComplaintQuery, ConfirmIn,
                       HistoryEntry, NoteIn, ReopenIn, ResolveIn)
from .common import customer_for_write, visible_filter

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/feedback/complaints",
                description="Complaints: opened → assigned → in_progress → resolved → closed, reopen")


def can_see(who, c: Complaint) -> bool:
    # The assignee works on it while it is open; afterwards it belongs to the customer's book only.
    return who.can_see(c.manager_id, c.branch) or (
        c.assignee_id is not None and c.assignee_id == who.user_id and c.status != "closed")


def require(cid: str, who) -> Complaint:
    c = ops.store.get(cid)
    if c is None or not can_see(who, c):
        raise not_found("complaint")
    return c


def view(c, at=None) -> dict:
    d = c.to_mongo().to_dict() if hasattr(c, "to_mongo") else dict(c)
    d["id"] = d.pop("_id")
    d["allowed_actions"] = rules.allowed_actions(d["status"])
    at = at or ops.now()
    fraction = float(policies.sla()["near_fraction"])
    state = "ok"
    if d["status"] in rules.OPEN_STATUSES and d.get("resolution_due"):
        state = rules.sla_state(at, ops._aware(d["cycle_started_at"]), ops._aware(d["resolution_due"]), fraction)
    d["sla_state"] = state if d["status"] in rules.OPEN_STATUSES else "stopped"
    return d


@blp.route("")
class Complaints(MethodView):
    @blp.arguments(ComplaintIn)
    @blp.response(201, ComplaintOut)
    def post(self, data):
        who = identity.current()
        snap = customer_for_write(data["customer_id"], who)
        c = ops.open_complaint(data, snap, who)
        return view(c), 201, {"ETag": etag(c.version), "Location": f"/api/v1/feedback/complaints/{c.id}"}

    @blp.arguments(ComplaintQuery, location="query")
    @blp.response(200, ComplaintPage)
    def get(self, q):
        who = identity.current()
        filters = {k: q[k] for k in ("status", "customer_id", "manager_id") if q.get(k)}
        # AND-ed, so a manager_id filter can only narrow what the caller may see
        query = {"$and": [visible_filter(who), filters]} if filters else visible_filter(who)
        rows, nxt = page(ops.store.collection, query, [("created_at", -1)], q["limit"], q.get("cursor"))
        return {"items": [view(r) for r in rows], "next_cursor": nxt}


@blp.route("/<complaint_id>")
class ComplaintItem(MethodView):
    @blp.response(200, ComplaintOut)
    def get(self, complaint_id):
        c = require(complaint_id, identity.current())
        return view(c), 200, {"ETag": etag(c.version)}


@blp.route("/<complaint_id>/history")
class ComplaintHistory(MethodView):
    @blp.response(200, HistoryEntry(many=True))
    def get(self, complaint_id):
        require(complaint_id, identity.current())
        return ops.store.history(complaint_id)


def _act(complaint_id: str, action: str, payload: dict):
    who = identity.current()
    c = require(complaint_id, who)
    version = if_match_version()
    c = ops.act(complaint_id, version, action, payload, who, current=c)
    return view(c), 200, {"ETag": etag(c.version)}


@blp.route("/<complaint_id>/assign", methods=["POST"])
@blp.arguments(AssignIn)
@blp.response(200, ComplaintOut)
def assign(data, complaint_id):
    return _act(complaint_id, "assign", data)


@blp.route("/<complaint_id>/start", methods=["POST"])
@blp.arguments(NoteIn)
@blp.response(200, ComplaintOut)
def start(data, complaint_id):
    return _act(complaint_id, "start", data)


@blp.route("/<complaint_id>/resolve", methods=["POST"])
@blp.arguments(ResolveIn)
@blp.response(200, ComplaintOut)
def resolve(data, complaint_id):
    return _act(complaint_id, "resolve", data)


@blp.route("/<complaint_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmIn)
@blp.response(200, ComplaintOut)
def confirm(data, complaint_id):
    """The customer's answer to the resolution: confirmed closes it, not confirmed reopens it."""
    return _act(complaint_id, "confirm", data)


@blp.route("/<complaint_id>/reopen", methods=["POST"])
@blp.arguments(ReopenIn)
@blp.response(200, ComplaintOut)
def reopen(data, complaint_id):
    return _act(complaint_id, "reopen", data)
