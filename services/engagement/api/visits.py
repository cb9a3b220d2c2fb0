"""Visits (客户拜访): plan before, record during, evaluate after; rolling visits over a book."""
from datetime import datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.http import etag, if_match_version, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, IF_MATCH, problems

from .. import book, rules, scope, visits
from ..models import Visit
from ..schemas import (
    RollingPage,
    RollingQuery,
    VisitCancelIn,
    VisitEvaluateIn,
    VisitOut,
    VisitPage,
    VisitPlanIn,
    VisitQuery,
    VisitRecordIn,
)

blp = Blueprint("visits", __name__, url_prefix="/api/v1/engagement/visits",
                description="Visit planning, recording and evaluation")


def _reply(v: Visit, code: int = 200):
    return as_dict(v), code, {"ETag": etag(v.version)}


@blp.route("")
class Visits(MethodView):
    @blp.arguments(VisitPlanIn)
    @blp.response(201, VisitOut, headers=CREATED)
    @problems(blp, 404, 503)
    def post(self, data):
        """Plan a visit

        Plans a visit to a customer of the caller's book: when, the objective, and the
        preparation (materials, checklist, opening, expected objections). The visit starts
        `planned`; then `start`, `record`, `evaluate` or `cancel` it. 404 when the customer
        is not in the caller's book; 503 when the customer is new here and the customer
        service (it is read from) does not answer. Answers 201 with `ETag` and `Location`.
        """
        v = visits.plan(scope.customer(data["customer_id"]), data, identity.current())
        return as_dict(v), 201, {"ETag": etag(v.version), "Location": f"/api/v1/engagement/visits/{v.id}"}

    @blp.arguments(VisitQuery, location="query")
    @blp.response(200, VisitPage)
    @problems(blp, 400, 404, 503)
    def get(self, q):
        """List visits

        Visits of one customer (`customer_id`), or of the customers in the caller's book
        (or the named manager's, `manager_id`), by scheduled time, oldest first; filter by
        `status` and a `from`/`to` day range. Cursor-paginated (400 for a bad cursor); 404
        when the customer or manager is not in the caller's scope; 503 when the customer is
        new here and the customer service (it is read from) does not answer.
        """
        query: dict = {}
        if q.get("customer_id"):
            scope.customer(q["customer_id"])
            query["customer_id"] = q["customer_id"]
        else:
            # Visits of the customers in the caller's (or the named manager's) book today.
            ids = scope.visible_customer_ids(q.get("manager_id"))
            if ids is not None:
                query["customer_id"] = {"$in": ids}
        if q.get("status"):
            query["status"] = q["status"]
        rng = {}
        if q.get("from_"):
            rng["$gte"] = clock.day_bounds(q["from_"])[0]
        if q.get("to"):
            rng["$lt"] = clock.day_bounds(q["to"])[1]
        if rng:
            query["scheduled_at"] = rng
        rows, nxt = page(Visit._get_collection(), query, [("scheduled_at", 1), ("_id", 1)], q["limit"], q.get("cursor"))
        return {"items": [as_dict(r) for r in rows], "next_cursor": nxt}


@blp.route("/rolling")
class Rolling(MethodView):
    @blp.arguments(RollingQuery, location="query")
    @blp.response(200, RollingPage)
    @problems(blp, 404)
    def get(self, q):
        """Rolling visits: whom to visit next

        The whole book of a manager (managers: their own; others name `manager_id`, 422
        without it), customers never visited first, then the least recently visited, each
        with the next visit already planned, if any. `total` is the size of the book, `items`
        the first `limit` of it. 404 when the manager is not in the caller's scope.
        """
        manager_id = scope.manager_scope(q.get("manager_id"))
        customers = book.customers_of([manager_id])
        ids = [c["id"] for c in customers]
        last, planned = {}, {}
        for r in Visit._get_collection().find({"customer_id": {"$in": ids}},
                                              {"customer_id": 1, "visited_at": 1, "status": 1, "scheduled_at": 1}):
            if r.get("visited_at") and (r["customer_id"] not in last or r["visited_at"] > last[r["customer_id"]]):
                last[r["customer_id"]] = r["visited_at"]
            if r["status"] in (rules.PLANNED, rules.IN_PROGRESS):
                cur = planned.get(r["customer_id"])
                if cur is None or r["scheduled_at"] < cur["scheduled_at"]:
                    planned[r["customer_id"]] = {"visit_id": r["_id"], "scheduled_at": r["scheduled_at"]}
        items = [{"customer_id": c["id"], "name": c.get("name"), "tier": c.get("tier"),
                  "last_visited_at": last.get(c["id"]), "next_planned": planned.get(c["id"])} for c in customers]
        items.sort(key=lambda i: (i["last_visited_at"] is not None, i["last_visited_at"] or _NEVER, i["name"] or ""))
        return {"manager_id": manager_id, "items": items[:q["limit"]], "total": len(items)}


_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@blp.route("/<visit_id>")
class VisitItem(MethodView):
    @blp.response(200, VisitOut, headers=ETAG)
    def get(self, visit_id):
        """One visit

        With its `ETag`: send it as `If-Match` to move the visit on. 404 when there is no
        such visit or its customer is not in the caller's book now.
        """
        return _reply(visits.visible(visit_id))


@blp.route("/<visit_id>/start")
class Start(MethodView):
    @blp.response(200, VisitOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def post(self, visit_id):
        """Start a visit

        The manager is with the customer: `planned` → `in_progress`, and `visited_at` is
        now.

        Needs `If-Match` with the visit's ETag (428 without it, 400 when it is not an ETag,
        412 when the visit changed since). 409 `illegal-transition` when the visit's state
        does not allow it (states: planned → in_progress → recorded → completed; planned or
        in_progress → cancelled).
        """
        return _reply(visits.start(visit_id, if_match_version(), identity.current()))


@blp.route("/<visit_id>/record")
class Record(MethodView):
    @blp.arguments(VisitRecordIn)
    @blp.response(200, VisitOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def post(self, data, visit_id):
        """Record what happened at a visit

        Notes, needs found, commitments and the next appointment (which must come after
        the visit, else 422): `planned` or `in_progress` → `recorded`. `visited_at`
        defaults to when the visit was started, or now.

        Needs `If-Match` with the visit's ETag (428 without it, 400 when it is not an ETag,
        412 when the visit changed since). 409 `illegal-transition` when the visit's state
        does not allow it (states: planned → in_progress → recorded → completed; planned or
        in_progress → cancelled).
        """
        return _reply(visits.record(visit_id, if_match_version(), data, identity.current()))


@blp.route("/<visit_id>/evaluate")
class Evaluate(MethodView):
    @blp.arguments(VisitEvaluateIn)
    @blp.response(200, VisitOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def post(self, data, visit_id):
        """Evaluate a visit

        Outcome, whether the objective was met, a 1–5 rating and lessons: `recorded` →
        `completed`. The customer then gets a follow-up satisfaction survey from the
        feedback service.

        Needs `If-Match` with the visit's ETag (428 without it, 400 when it is not an ETag,
        412 when the visit changed since). 409 `illegal-transition` when the visit's state
        does not allow it (states: planned → in_progress → recorded → completed; planned or
        in_progress → cancelled).
        """
        return _reply(visits.evaluate(visit_id, if_match_version(), data, identity.current()))


@blp.route("/<visit_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(VisitCancelIn)
    @blp.response(200, VisitOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def post(self, data, visit_id):
        """Cancel a visit

        With a reason: `planned` or `in_progress` → `cancelled`.

        Needs `If-Match` with the visit's ETag (428 without it, 400 when it is not an ETag,
        412 when the visit changed since). 409 `illegal-transition` when the visit's state
        does not allow it (states: planned → in_progress → recorded → completed; planned or
        in_progress → cancelled).
        """
        return _reply(visits.cancel(visit_id, if_match_version(), data["reason"], identity.current()))
