"""/api/v1/managers: a manager's book and a supervisor's view of the team's books."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from chassis import identity
from chassis.filters import all_of
from chassis.http import page
from chassis.openapi import problems
from chassis.schemas import PageQuery

from .. import presenters, queries, service
from ..schemas import SORTS, CustomerPage
from .customers import LIST_PROJECTION, tier_counts

blp = Blueprint("managers", __name__, url_prefix="/api/v1/managers", description="Relationship managers' books")


class BookQuery(PageQuery):
    sort = fields.String(load_default="name", validate=validate.OneOf(["name", "-name", "created_at", "-created_at"]))
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "archived"]))


@blp.route("/<manager_id>/customers")
class Book(MethodView):
    @blp.arguments(BookQuery, location="query", unknown=RAISE)
    @blp.response(200, CustomerPage)
    @problems(blp, 400)
    def get(self, q, manager_id):
        """A manager's book

        The manager's customers (active by default, or archived with `status`), sorted,
        cursor-paginated and masked as in GET /customers. The manager, their supervisor
        and their branch's admins may read it; 404 for anyone else, as for an unknown
        manager. 400: a cursor this service did not write.
        """
        who = identity.current()
        who.ensure_can_see_manager(manager_id)
        query = all_of({"manager_id": manager_id, "status": q["status"]}, queries.visibility(who))
        rows, nxt = page(service.store.collection, query, SORTS[q["sort"]], q["limit"], q.get("cursor"),
                         LIST_PROJECTION)
        return {"items": [presenters.summary(r, who) for r in rows], "next_cursor": nxt}


class TeamBook(Schema):
    manager_id = fields.String()
    customers = fields.Integer(metadata={"description": "active customers in the book"})
    tier_distribution = tier_counts()


class TeamOut(Schema):
    managers = fields.List(fields.Nested(TeamBook), metadata={"description": "by manager id; a supervisor's "
                                                                           "team members with empty books too"})
    unassigned = fields.Integer(metadata={"description": "active customers without a manager"})


@blp.route("/team")
class Team(MethodView):
    @blp.response(200, TeamOut)
    @problems(blp, 403)
    def get(self):
        """The team's books

        Book size and tier distribution per manager: for a supervisor, their own book and
        their team's; for an admin, every manager with customers in the branch. Open a
        book with GET /managers/{manager_id}/customers. 403: managers and auditors.
        """
        who = identity.current()
        who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
        visible = who.manager_ids_visible()
        books = {m: {"manager_id": m, "customers": 0, "tier_distribution": {}} for m in sorted(visible or [])}
        unassigned = 0
        query = {"status": "active", **queries.visibility(who)}
        for r in service.store.collection.find(query, {"manager_id": 1, "tier": 1}):
            m = r.get("manager_id")
            if not m:
                unassigned += 1
                continue
            b = books.setdefault(m, {"manager_id": m, "customers": 0, "tier_distribution": {}})
            b["customers"] += 1
            tier = r.get("tier") or "standard"
            b["tier_distribution"][tier] = b["tier_distribution"].get(tier, 0) + 1
        return {"managers": list(books.values()), "unassigned": unassigned}
