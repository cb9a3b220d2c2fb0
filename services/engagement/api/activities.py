"""Client activities (客户活动): plan, invite the segment, RSVP/waitlist, attendance, evaluation."""
import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag
from contracts import engagement as events

from .. import access, activities as act, slots
from ..models import Activity, Invitation
from ..schemas import ActivityIn, ActivityOut, AttendanceIn, EvaluationIn, InvitationOut, RsvpIn

blp = Blueprint("activities", __name__, url_prefix="/api/v1/engagement/activities",
                description="Client activities: segment, capacity, budget, invitations, RSVP, evaluation")
ORGANISERS = act.ORGANISERS


def view(a: Activity) -> dict:
    return {**access.out(a), "seats_taken": slots.seats_taken(a.id)}


def _visible(activity_id: str) -> Activity:
    a = act.activities.require(activity_id, "activity")
    who = identity.current()
    # An activity belongs to its branch: bank-wide staff see all, everyone else their branch's.
    if not who.bank_wide and (a.branch or "") != who.branch:
        raise not_found("activity")
    return a


@blp.route("")
class Activities(MethodView):
    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    def post(self, data):
        who = identity.current()
        who.ensure_role(*ORGANISERS)
        aid = str(uuid.uuid4())
        a = Activity(id=aid, branch=who.branch or None, organiser_id=who.user_id, status="planned",
                     **{**data, "starts_at": access.utc(data["starts_at"])})
        act.activities.create(a, who, [events.ACTIVITY_PLANNED.new(aid, {
            "activity_id": aid, "name": a.name, "type": a.type, "starts_at": a.starts_at,
            "capacity": a.capacity, "status": a.status})])
        return view(a), 201, {"ETag": etag(a.version), "Location": f"/api/v1/engagement/activities/{aid}"}

    @blp.response(200, ActivityOut(many=True))
    def get(self):
        who = identity.current()
        q = Activity.objects if who.bank_wide else Activity.objects(branch=who.branch or None)
        return [view(a) for a in q.order_by("-starts_at").limit(200)]


@blp.route("/<activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivityOut)
    def get(self, activity_id):
        a = _visible(activity_id)
        return view(a), 200, {"ETag": etag(a.version)}


@blp.route("/<activity_id>/invitations")
class Invitations(MethodView):
    def post(self, activity_id):
        """Invite every customer of the target segment the caller may see (again: only new ones)."""
        who = identity.current()
        who.ensure_role(*ORGANISERS, identity.MANAGER)
        return act.invite(_visible(activity_id), who)

    @blp.response(200, InvitationOut(many=True))
    def get(self, activity_id):
        _visible(activity_id)
        query: dict = {"activity_id": activity_id}
        ids = access.visible_customer_ids()   # invitations follow the customers' current books
        if ids is not None:
            query["customer_id"] = {"$in": ids}
        return [access.out(r) for r in Invitation._get_collection().find(query).sort([("_id", 1)]).limit(5000)]


@blp.route("/<activity_id>/rsvp")
class Rsvp(MethodView):
    @blp.arguments(RsvpIn)
    @blp.response(200, InvitationOut)
    def post(self, data, activity_id):
        who = identity.current()
        a = _visible(activity_id)
        access.customer(data["customer_id"])
        return access.out(act.rsvp(a, data["customer_id"], data["answer"], who))


@blp.route("/<activity_id>/attendance")
class Attendance(MethodView):
    @blp.arguments(AttendanceIn)
    def post(self, data, activity_id):
        who = identity.current()
        who.ensure_role(*ORGANISERS, identity.MANAGER)
        return act.mark_attendance(_visible(activity_id), data["customer_ids"], who)


@blp.route("/<activity_id>/evaluation")
class Evaluation(MethodView):
    def get(self, activity_id):
        a = _visible(activity_id)
        return {"activity_id": a.id, "status": a.status, **act.figures(a.id),
                "follow_up_actions": list(a.follow_up_actions), "notes": a.evaluation_notes}

    @blp.arguments(EvaluationIn)
    def post(self, data, activity_id):
        who = identity.current()
        who.ensure_role(*ORGANISERS)
        a = act.evaluate(_visible(activity_id), data, who)
        return {"activity_id": a.id, "status": a.status, **act.figures(a.id),
                "follow_up_actions": list(a.follow_up_actions), "notes": a.evaluation_notes}
