"""Complaints (投诉): workflow with SLA deadlines, history."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag, if_match_version, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, IF_MATCH, problems

from .. import complaints, policies, rules
from ..models import Complaint
from ..schemas import (
    AssignIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    ComplaintQuery,
    ConfirmIn,
    HistoryEntry,
    NoteIn,
    ReopenIn,
    ResolveIn,
)
from ..scope import customer_for_write, visible_filter

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/feedback/complaints",
                description="Complaints: opened → assigned → in_progress → resolved → closed, reopen")


def can_see(who, c: Complaint) -> bool:
    # The assignee works on it while it is open; afterwards it belongs to the customer's book only.
    return who.can_see(c.manager_id, c.branch) or (
        c.assignee_id is not None and c.assignee_id == who.user_id and c.status != "closed")


def require(cid: str, who) -> Complaint:
    c = complaints.store.get(cid)
    if c is None or not can_see(who, c):
        raise not_found("complaint")
    return c


def view(c, at=None) -> dict:
    d = as_dict(c)
    d["allowed_actions"] = rules.COMPLAINTS.allowed(d["status"])
    at = at or complaints.now()
    fraction = float(policies.sla()["near_fraction"])
    state = "ok"
    if d["status"] in rules.OPEN_STATUSES and d.get("resolution_due"):
        state = rules.sla_state(at, complaints._aware(d["cycle_started_at"]),
                                complaints._aware(d["resolution_due"]), fraction)
    d["sla_state"] = state if d["status"] in rules.OPEN_STATUSES else "stopped"
    return d


@blp.route("")
class Complaints(MethodView):
    @blp.arguments(ComplaintIn)
    @blp.response(201, ComplaintOut, headers=CREATED)
    @problems(blp, 400, 503)
    def post(self, data):
        """Open a complaint

        Opens a complaint (投诉) about one of the caller's customers, status `opened`. Its
        response and resolution deadlines come from the SLA table (severity × the
        customer's tier, see `GET /settings/sla`). The customer must be known to the
        feedback service and not archived (422 on `customer_id` otherwise); one registered a
        moment ago, whose events have not arrived yet, is read from the customer service (503
        when that service does not answer). Publishes `feedback.complaint.opened`.
        """
        who = identity.current()
        snap = customer_for_write(data["customer_id"], who)
        c = complaints.open_complaint(data, snap, who)
        return view(c), 201, {"ETag": etag(c.version), "Location": f"/api/v1/feedback/complaints/{c.id}"}

    @blp.arguments(ComplaintQuery, location="query")
    @blp.response(200, ComplaintPage)
    @problems(blp, 400)
    def get(self, q):
        """List complaints

        The complaints the caller may see, newest first, optionally filtered by status,
        customer and manager (a filter only narrows what the caller sees). Each carries
        its `sla_state` now and the `allowed_actions`. Cursor-paginated: pass
        `next_cursor` back as `cursor` (400 for a cursor not made by this list).
        """
        who = identity.current()
        filters = {k: q[k] for k in ("status", "customer_id", "manager_id") if q.get(k)}
        # AND-ed, so a manager_id filter can only narrow what the caller may see
        query = {"$and": [visible_filter(who), filters]} if filters else visible_filter(who)
        rows, nxt = page(complaints.store.collection, query, [("created_at", -1)], q["limit"], q.get("cursor"))
        return {"items": [view(r) for r in rows], "next_cursor": nxt}


@blp.route("/<complaint_id>")
class ComplaintItem(MethodView):
    @blp.response(200, ComplaintOut, headers=ETAG)
    def get(self, complaint_id):
        """Read a complaint

        One complaint with its deadlines, `sla_state` and `allowed_actions`; the `ETag`
        is what the workflow actions take as `If-Match`. A manager sees the complaints of
        their customers, and those assigned to them until closed; others get 404.
        """
        c = require(complaint_id, identity.current())
        return view(c), 200, {"ETag": etag(c.version)}


@blp.route("/<complaint_id>/history")
class ComplaintHistory(MethodView):
    @blp.response(200, HistoryEntry(many=True))
    def get(self, complaint_id):
        """A complaint's history

        Every change to the complaint, newest first (at most 100): the version it made,
        who and when, why, and each field's old and new value.
        """
        require(complaint_id, identity.current())
        return complaints.store.history(complaint_id)


def _act(complaint_id: str, action: str, payload: dict):
    who = identity.current()
    c = require(complaint_id, who)
    version = if_match_version()
    c = complaints.act(complaint_id, version, action, payload, who, current=c)
    return view(c), 200, {"ETag": etag(c.version)}


WORKFLOW_ERRORS = (400, 409, 412, 428)


@blp.route("/<complaint_id>/assign", methods=["POST"])
@blp.arguments(AssignIn)
@blp.response(200, ComplaintOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def assign(data, complaint_id):
    """Assign a complaint

    Hands the complaint to `assignee_id` (opened, assigned or in_progress → assigned),
    who then sees it until it is closed. The assignee must be an active manager,
    supervisor or admin within the caller's team or branch (422 on `assignee_id`
    otherwise). Send the `ETag` read as `If-Match`; an action the status does not allow
    is 409 with `allowed` listing those it does. Publishes `feedback.complaint.assigned`.
    """
    return _act(complaint_id, "assign", data)


@blp.route("/<complaint_id>/start", methods=["POST"])
@blp.arguments(NoteIn)
@blp.response(200, ComplaintOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def start(data, complaint_id):
    """Start work on a complaint

    The assignee takes the complaint in hand (assigned → in_progress); this meets the
    response deadline. Send the `ETag` read as `If-Match`; 409 when the status does not
    allow it.
    """
    return _act(complaint_id, "start", data)


@blp.route("/<complaint_id>/resolve", methods=["POST"])
@blp.arguments(ResolveIn)
@blp.response(200, ComplaintOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def resolve(data, complaint_id):
    """Resolve a complaint

    Records the `outcome` (in_progress → resolved) and whether it was resolved within
    the SLA; the customer then confirms or rejects it (see confirm). A blank outcome is
    422. Send the `ETag` read as `If-Match`; 409 when the status does not allow it.
    Publishes `feedback.complaint.resolved`.
    """
    return _act(complaint_id, "resolve", data)


@blp.route("/<complaint_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmIn)
@blp.response(200, ComplaintOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def confirm(data, complaint_id):
    """Record the customer's answer to a resolution

    `confirmed: true` closes the complaint (resolved → closed, publishes
    `feedback.complaint.closed`); `confirmed: false` reopens it for a new cycle with a
    fresh resolution deadline (resolved → in_progress, publishes
    `feedback.complaint.reopened`). A resolution left unanswered for
    `confirm_timeout_hours` is closed by the service. Send the `ETag` read as
    `If-Match`; 409 when the complaint is not resolved.
    """
    return _act(complaint_id, "confirm", data)


@blp.route("/<complaint_id>/reopen", methods=["POST"])
@blp.arguments(ReopenIn)
@blp.response(200, ComplaintOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def reopen(data, complaint_id):
    """Reopen a complaint

    Reopens a resolved or closed complaint for a new cycle (→ in_progress) with a fresh
    resolution deadline counted from now; `reason` is required (422 when blank). Send
    the `ETag` read as `If-Match`; 409 when the status does not allow it. Publishes
    `feedback.complaint.reopened`.
    """
    return _act(complaint_id, "reopen", data)
