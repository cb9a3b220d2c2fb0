"""Maintenance plans (维护方案): draft, approve, follow, close with an evaluation, revise."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.http import etag, if_match_version, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, IF_MATCH, problems

from .. import plan_reads, plans
from ..plan_models import Plan, PlanEvaluation
from ..plan_schemas import (
    AsOfQuery,
    CloseIn,
    EvaluationFigures,
    EvaluationList,
    EvaluationOut,
    HistoryEntryOut,
    PlanEditIn,
    PlanIn,
    PlanOut,
    PlanPage,
    PlanQuery,
    ProgressOut,
    ReasonIn,
    RejectIn,
    ReviseIn,
)

blp = Blueprint("plans", __name__, url_prefix="/api/v1/engagement/plans",
                description="Maintenance plans (维护方案): plan, approve, control, evaluate, optimise")



def _reply(p: Plan, code: int = 200):
    return as_dict(p), code, {"ETag": etag(p.version)}


@blp.route("")
class Plans(MethodView):
    @blp.arguments(PlanIn)
    @blp.response(201, PlanOut, headers=CREATED)
    @problems(blp, 404)
    def post(self, data):
        """Draft a plan (制定)

        For a segment — tiers, classes, tags, managers' books, or named key customers, each
        non-empty criterion a must — over a month, quarter or year (`period_start`: any day
        of it; past periods are allowed for plans written after the fact): measurable goals
        (contacts or visits per customer, greeting coverage, activity participation, survey
        response, CSAT) and the actions that reach them (tasks per customer). A manager plans
        their own book; a supervisor their team's (default: the whole team); an admin their
        branch. Starts as `draft`, version 1. 404 when a named manager or customer is not in
        the caller's scope.
        """
        p = plans.create(data, identity.current())
        return as_dict(p), 201, {"ETag": etag(p.version), "Location": f"/api/v1/engagement/plans/{p.id}"}

    @blp.arguments(PlanQuery, location="query")
    @blp.response(200, PlanPage)
    @problems(blp, 400)
    def get(self, q):
        """List plans

        The plans the caller sees — a manager their own, a supervisor the team's, an admin
        the branch's — newest first; filter by `status` and owner (`manager_id`).
        Cursor-paginated (400 for a bad cursor).
        """
        query = identity.current().scope_filter()
        if q.get("status"):
            query["status"] = q["status"]
        if q.get("manager_id"):
            query = {"$and": [query, {"manager_id": q["manager_id"]}]}
        rows, nxt = page(Plan._get_collection(), query, [("created_at", -1), ("_id", -1)], q["limit"], q.get("cursor"))
        return {"items": [as_dict(r) for r in rows], "next_cursor": nxt}


@blp.route("/<plan_id>")
class PlanItem(MethodView):
    @blp.response(200, PlanOut, headers=ETAG)
    def get(self, plan_id):
        """One plan

        With every revision (who, when, why, what changed) and its `ETag`. 404 when there is
        no such plan or the caller does not see its owner.
        """
        return _reply(plans.visible(plan_id, identity.current()))

    @blp.arguments(PlanEditIn)
    @blp.response(200, PlanOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def patch(self, data, plan_id):
        """Edit a draft

        Any of name, scope, period, goals, actions and thresholds, with the `reason` kept in
        the plan's history. Only a `draft` (409 `illegal-transition` otherwise: a running
        plan changes through its evaluation's suggestions).

        Needs `If-Match` with the plan's ETag (428 without it, 400 when it is not an ETag, 412 when
        the plan changed since).
        """
        return _reply(plans.edit(plan_id, if_match_version(), data, identity.current()))


@blp.route("/<plan_id>/history")
class History(MethodView):
    @blp.response(200, HistoryEntryOut(many=True))
    def get(self, plan_id):
        """A plan's change history

        Every version of the plan record, newest first: who, when, why and which fields
        changed. 404 when the caller does not see the plan.
        """
        p = plans.visible(plan_id, identity.current())
        return [{"version": r["version"], "recorded_at": r["recorded_at"], "actor": r["actor"],
                 "reason": r.get("reason"), "fields": [d["field"] for d in r.get("diff") or []]}
                for r in plans.history(p)]


WORKFLOW_ERRORS = (400, 409, 412, 428)
APPROVER_ERRORS = (400, 403, 409, 412, 428)


@blp.route("/<plan_id>/submit", methods=["POST"])
@blp.arguments(ReasonIn, required=False)
@blp.response(200, PlanOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *WORKFLOW_ERRORS)
def submit(data, plan_id):
    """Submit a draft for approval

    The owner (or anyone who sees the plan) sends it to a supervisor: `draft` →
    `submitted`. 409 `illegal-transition` from any other state (states:
    draft → submitted → approved → closed → (revise) approved; submitted → (reject) draft).

    Needs `If-Match` with the plan's ETag (428 without it, 400 when it is not an ETag, 412 when
    the plan changed since).
    """
    return _reply(plans.submit(plan_id, if_match_version(), data.get("reason"), identity.current()))


@blp.route("/<plan_id>/approve", methods=["POST"])
@blp.arguments(ReasonIn, required=False)
@blp.response(200, PlanOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *APPROVER_ERRORS)
def approve(data, plan_id):
    """Approve a plan (审批)

    Supervisors and admins who see the plan (403 for others): `draft` or `submitted` →
    `approved`. Only approved plans run: the engagement worker makes the period's tasks,
    per customer and action, on the owners' worklists, and work already recorded in the
    period completes them. 409 `illegal-transition` from any other state (states:
    draft → submitted → approved → closed → (revise) approved; submitted → (reject) draft).

    Needs `If-Match` with the plan's ETag (428 without it, 400 when it is not an ETag, 412 when
    the plan changed since).
    """
    return _reply(plans.approve(plan_id, if_match_version(), data.get("reason"), identity.current()))


@blp.route("/<plan_id>/reject", methods=["POST"])
@blp.arguments(RejectIn)
@blp.response(200, PlanOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *APPROVER_ERRORS)
def reject(data, plan_id):
    """Send a submitted plan back to draft

    Supervisors and admins (403 for others), with the reason kept in the history:
    `submitted` → `draft`. 409 `illegal-transition` from any other state.

    Needs `If-Match` with the plan's ETag (428 without it, 400 when it is not an ETag, 412 when
    the plan changed since).
    """
    return _reply(plans.reject(plan_id, if_match_version(), data["reason"], identity.current()))


@blp.route("/<plan_id>/revise", methods=["POST"])
@blp.arguments(ReviseIn)
@blp.response(200, PlanOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, *APPROVER_ERRORS)
def revise(data, plan_id):
    """Decide the suggestions and run the next version (优化)

    Supervisors and admins (403 for others), once the period is closed (409
    `illegal-transition` otherwise). Answer every suggestion of the closed period's
    evaluation once: `accept`, `edit` (with `value`) or `reject` (422 otherwise). The next
    version (`revision` + 1) runs the next period with what was accepted; the revision
    records each change with its reason, and the next evaluation reports its effect
    (`change_effects`).

    Needs `If-Match` with the plan's ETag (428 without it, 400 when it is not an ETag, 412 when
    the plan changed since).
    """
    return _reply(plans.revise(plan_id, if_match_version(), data["decisions"], data["reason"], identity.current()))


@blp.route("/<plan_id>/close")
class Close(MethodView):
    @blp.arguments(CloseIn, required=False)
    @blp.response(200, EvaluationOut, headers=ETAG)
    @problems(blp, 403, 409, 412)
    def post(self, data, plan_id):
        """Close the period with its evaluation (评估)

        Supervisors and admins (403 otherwise). Measures each goal three ways — against its
        target, against the previous period (same customers) and against comparable
        customers outside the plan (same branch, tier and classes) — stores the evaluation
        with the suggestions for the next version, and closes the plan. `as_of` (default
        today; 422 in the future) must come after the period's last day (409
        `period-not-over`): it makes a simulated or late close reproducible. The period-end
        job does the same for plans that were running when their period ended. Closing again
        answers the stored evaluation. `If-Match` is optional (412 when stale).
        """
        ev = plans.close(plan_id, if_match_version(required=False), data.get("as_of"), identity.current())
        return as_dict(ev), 200, {"ETag": etag(ev.version)}


@blp.route("/<plan_id>/progress")
class Progress(MethodView):
    @blp.arguments(AsOfQuery, location="query")
    @blp.response(200, ProgressOut)
    def get(self, q, plan_id):
        """Progress of the running period (控制)

        At the end of `as_of` (default today): each goal achieved so far and projected at the
        current pace (`on_track`, `at_risk` — flagged to the owner — or `off_track` — past the
        plan's threshold, flagged to the supervisor too), overall, per manager and per
        customer, with tasks done, open and overdue, and the deviations. 404 when the caller
        does not see the plan.
        """
        p = plans.visible(plan_id, identity.current())
        return plan_reads.progress(p, plans.period(p), q.get("as_of") or clock.today())


@blp.route("/<plan_id>/evaluation")
class EvaluationNow(MethodView):
    @blp.arguments(AsOfQuery, location="query")
    @blp.response(200, EvaluationFigures)
    def get(self, q, plan_id):
        """Evaluate the current period on demand

        The evaluation as the close would make it, up to `as_of` (default today), not stored:
        before the period ends both periods are cut to the same number of days. 404 when the
        caller does not see the plan.
        """
        p = plans.visible(plan_id, identity.current())
        as_of = q.get("as_of") or clock.today()
        return {"plan_id": p.id, "revision": p.revision, "period_key": p.period_key, "as_of": as_of,
                **plan_reads.evaluation(p, plans.period(p), as_of)}


@blp.route("/<plan_id>/evaluations")
class Evaluations(MethodView):
    @blp.response(200, EvaluationList)
    def get(self, plan_id):
        """A plan's stored evaluations

        One per closed period, newest first. 404 when the caller does not see the plan.
        """
        plans.visible(plan_id, identity.current())
        rows = PlanEvaluation._get_collection().find({"plan_id": plan_id}).sort([("period_start", -1)]).limit(100)
        return {"items": [as_dict(r) for r in rows]}
