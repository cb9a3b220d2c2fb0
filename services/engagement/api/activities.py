"""Client activities (客户活动): plan, invite the segment, RSVP/waitlist, attendance, evaluation."""

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import not_found
from chassis.http import etag, if_match_version
from chassis.models import as_dict
from chassis.openapi import IF_MATCH, problems

from .. import activities, scope, slots
from ..models import Activity, Invitation
from ..schemas import (
    ActivityCancelIn,
    ActivityEditIn,
    ActivityEvaluationOut,
    ActivityIn,
    ActivityOut,
    AttendanceIn,
    AttendanceResult,
    EvaluationIn,
    InvitationOut,
    InviteResult,
    RsvpIn,
)

blp = Blueprint("activities", __name__, url_prefix="/api/v1/engagement/activities",
                description="Client activities: segment, capacity, budget, invitations, RSVP, evaluation")
ORGANISERS = activities.ORGANISERS


def view(a: Activity, seats_taken: int | None = None) -> dict:
    return {**as_dict(a), "seats_taken": slots.seats_taken(a.id) if seats_taken is None else seats_taken}


def _visible(activity_id: str) -> Activity:
    a = activities.activities.require(activity_id, "activity")
    who = identity.current()
    # An activity belongs to its branch: bank-wide staff see all, everyone else their branch's.
    if not who.bank_wide and (a.branch or "") != who.branch:
        raise not_found("activity")
    return a


@blp.route("")
class Activities(MethodView):
    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    @problems(blp, 403)
    def post(self, data):
        """Plan a client activity (admins, supervisors)

        A lecture, salon, dinner... for the caller's branch: when, where, capacity, budget
        (capacity × cost per head may not exceed it, else 422) and the target segment
        (tiers, classes, tags, managers). It starts `planned`; invite the segment next.
        403 for other roles. Answers 201 with `ETag` and `Location`.
        """
        a = activities.plan(data, identity.current())
        return view(a), 201, {"ETag": etag(a.version), "Location": f"/api/v1/engagement/activities/{a.id}"}

    @blp.response(200, ActivityOut(many=True))
    def get(self):
        """Client activities

        Activities of the caller's branch (every branch for bank-wide staff), latest
        start first (at most 200), with the seats taken.
        """
        who = identity.current()
        q = Activity.objects if who.bank_wide else Activity.objects(branch=who.branch or None)
        found = list(q.order_by("-starts_at").limit(200))
        taken = slots.seats_taken_of([a.id for a in found])   # one read, not one per activity
        return [view(a, taken[a.id]) for a in found]


@blp.route("/<activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivityOut)
    def get(self, activity_id):
        """One client activity

        404 when there is no such activity in the caller's branch.
        """
        a = _visible(activity_id)
        return view(a), 200, {"ETag": etag(a.version)}

    @blp.arguments(ActivityEditIn)
    @blp.response(200, ActivityOut)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 409, 412, 428)
    def patch(self, data, activity_id):
        """Change a planned activity (admins, supervisors)

        Any of name, type, time, location, capacity, budget, cost per head and segment, with a
        `reason` (kept in the history). Needs `If-Match` with the activity's ETag (428 without
        it, 400 when it is not an ETag, 412 when it changed since). A larger capacity gives the
        new seats to the waitlist; a capacity below the seats already held is 409
        `capacity-below-seats`; capacity × cost per head over the budget is 422. 409
        `activity-closed` once it is held, evaluated or cancelled. The invitees are told through
        `engagement.activity.changed`. 404 when there is no such activity in the caller's
        branch; 403 for other roles.
        """
        who = identity.current()
        who.ensure_role(*ORGANISERS)
        version = if_match_version()
        a = _visible(activity_id)
        reason = data.pop("reason")
        a = activities.edit(a, version, data, reason, who)
        return view(a), 200, {"ETag": etag(a.version)}


@blp.route("/<activity_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(ActivityCancelIn)
    @blp.response(200, ActivityOut)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 409, 412, 428)
    def post(self, data, activity_id):
        """Cancel a planned activity (admins, supervisors)

        With a `reason` (it stays in this service). Answers and attendance close; the invitees
        are told through `engagement.activity.cancelled`. Needs `If-Match` with the activity's
        ETag (428 without it, 400 when it is not an ETag, 412 when it changed since). 409
        `illegal-transition` unless the activity is planned; 404 when there is no such activity
        in the caller's branch; 403 for other roles.
        """
        who = identity.current()
        who.ensure_role(*ORGANISERS)
        version = if_match_version()
        a = activities.cancel(_visible(activity_id), version, data["reason"], who)
        return view(a), 200, {"ETag": etag(a.version)}


@blp.route("/<activity_id>/invitations")
class Invitations(MethodView):
    @blp.response(200, InviteResult)
    @problems(blp, 403, 409)
    def post(self, activity_id):
        """Invite the activity's target segment

        Invites every active customer of the segment the caller sees (a manager: their
        own book). Calling it again invites only customers not invited yet, so it may be
        called by several managers and after the segment grew. 409 `activity-closed` once
        the activity is no longer planned; 403 for auditors.
        """
        who = identity.current()
        who.ensure_role(*ORGANISERS, identity.MANAGER)
        return activities.invite(_visible(activity_id), who)

    @blp.response(200, InvitationOut(many=True))
    def get(self, activity_id):
        """Invitations of an activity

        The invitations of the customers the caller sees now, with their answer, seat
        and attendance (at most 5000).
        """
        _visible(activity_id)
        query: dict = {"activity_id": activity_id}
        ids = scope.visible_customer_ids()   # invitations follow the customers' current books
        if ids is not None:
            query["customer_id"] = {"$in": ids}
        return [as_dict(r) for r in Invitation._get_collection().find(query).sort([("_id", 1)]).limit(5000)]


@blp.route("/<activity_id>/rsvp")
class Rsvp(MethodView):
    @blp.arguments(RsvpIn)
    @blp.response(200, InvitationOut)
    @problems(blp, 409, 412)
    def post(self, data, activity_id):
        """Record a customer's answer to an invitation

        `accept` takes a seat while there are any, else puts the customer on the waitlist;
        `decline` frees the seat, which goes to the longest-waiting customer. The same answer
        twice changes nothing. 404 when the customer was not invited or is not in the
        caller's book; 409 `activity-closed` once the activity is no longer planned; 412
        when another answer for the same customer landed at the same moment (retry).
        """
        who = identity.current()
        a = _visible(activity_id)
        scope.customer(data["customer_id"], read_through=False)   # invited: known here
        return as_dict(activities.rsvp(a, data["customer_id"], data["answer"], who))


@blp.route("/<activity_id>/attendance")
class Attendance(MethodView):
    @blp.arguments(AttendanceIn)
    @blp.response(200, AttendanceResult)
    @problems(blp, 403, 409, 412)
    def post(self, data, activity_id):
        """Mark who attended

        Marks the listed customers with an accepted invitation as attended; the others are
        listed in `refused`. When an organiser marks attendance the activity becomes `held`.
        Marking again changes nothing. 409 `activity-closed` once it is evaluated or
        cancelled; 403 for auditors; 412 when the same records kept changing under heavy
        concurrent use (retry).
        """
        who = identity.current()
        who.ensure_role(*ORGANISERS, identity.MANAGER)
        return activities.mark_attendance(_visible(activity_id), data["customer_ids"], who)


@blp.route("/<activity_id>/evaluation")
class Evaluation(MethodView):
    @blp.response(200, ActivityEvaluationOut)
    def get(self, activity_id):
        """An activity's figures and evaluation

        Invited, accepted, waitlisted, declined and attended, the attendance rate, the mean
        satisfaction from the customers' survey answers, the products attendees opened within
        the branch's window after it (`products_opened`, `attendees_with_products`,
        `products_window_days`: core banking's products opened, N days from the engagement
        policy, default 30), and the follow-up actions and notes once evaluated. 404 when the
        activity is not the caller's branch's.
        """
        a = _visible(activity_id)
        return {"activity_id": a.id, "status": a.status, **activities.figures(a.id),
                "follow_up_actions": list(a.follow_up_actions), "notes": a.evaluation_notes}

    @blp.arguments(EvaluationIn)
    @blp.response(200, ActivityEvaluationOut)
    @problems(blp, 403, 409, 412)
    def post(self, data, activity_id):
        """Evaluate a held activity (admins, supervisors)

        Follow-up actions and notes; the activity becomes `evaluated` and its figures are
        published. It may be evaluated again to update them. 409 `illegal-transition` unless
        the activity was held; 412 when it changed at the same moment (retry); 403 for other
        roles.
        """
        who = identity.current()
        who.ensure_role(*ORGANISERS)
        a = activities.evaluate(_visible(activity_id), data, who)
        return {"activity_id": a.id, "status": a.status, **activities.figures(a.id),
                "follow_up_actions": list(a.follow_up_actions), "notes": a.evaluation_notes}
