"""/api/v1/customers: the archive — create, read, update, search, history,
confirm, archive, manager (re)assignment, and the gateway's worklist and stats."""
from __future__ import annotations

from datetime import date, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from chassis import audit, identity
from chassis.errors import bad_request
from chassis.http import decode_cursor, encode_cursor, etag, if_match_version, page

from .. import queries, rules, service, views
from ..schemas import (SORTS, ArchiveIn, AssignIn, ConfirmIn, CustomerIn, CustomerOut, CustomerPage,
                       CustomerPatch, CustomerQuery, CustomerSearch, PageQuery, StatsQuery, WorklistQuery)

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customer archive")

LIST_PROJECTION = {f: 1 for f in ("kind", "name", "tier", "classes", "tags", "manager_id", "branch", "status",
                                  "mobile", "birth_date", "risk_level", "risk_valid_until", "last_confirmed_at",
                                  "created_at", "birth_mmdd")}


def _ok(c, code=200):
    who = identity.current()
    return views.profile(c, who), code, {"ETag": etag(c.version)}


def _visible(customer_id):
    who = identity.current()
    c = service.store.require(customer_id, "customer")
    who.ensure_can_see(c.manager_id, c.branch)
    return who, c


@blp.route("")
class Customers(MethodView):
    @blp.arguments(CustomerQuery, location="query", unknown=RAISE)
    @blp.response(200, CustomerPage)
    def get(self, q):
        """Search and list: name prefix, mobile / ID number (exact), tier, class, tag,
        manager, birthday window, re-verification due; sorted, cursor-paginated.
        To look up a mobile or ID number, prefer POST /customers/search: it keeps them out of URLs."""
        return _search(q)

    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerOut)
    def post(self, data):
        """Register a customer. 409 with existing_id when the ID document or mobile is taken."""
        c = service.create(data, identity.current(), channel="api")
        body, _, headers = _ok(c, 201)
        return body, 201, {**headers, "Location": f"/api/v1/customers/{c.id}"}


def _search(q: dict) -> dict:
    who = identity.current()
    if q.get("manager_id"):
        who.ensure_can_see_manager(q["manager_id"])   # another's book does not exist for the caller
    query = queries.customer_filter(q, who, date.today(), service.setting_int("CRM_REVERIFY_MONTHS"))
    sort = SORTS[q["sort"]]
    if q["sort"] == "birthday":
        query = {"$and": [query, {"birth_mmdd": {"$ne": None}}]} if query else {"birth_mmdd": {"$ne": None}}
    rows, nxt = page(service.store.collection, query, sort, q["limit"], q.get("cursor"), LIST_PROJECTION)
    return {"items": [views.summary(r, who) for r in rows], "next_cursor": nxt}


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(CustomerSearch, unknown=RAISE, description=(
        "Any filters of GET /customers, with limit, cursor and sort; e.g. "
        '{"mobile": "139…", "limit": 20} or {"id_number": "…", "id_type": "resident_id"}'))
    @blp.response(200, CustomerPage, description="The customers the caller may see that match, one page")
    @blp.alt_response(400, description="The cursor is not one this service wrote")
    @blp.alt_response(404, description="manager_id names a manager outside the caller's reach")
    @blp.alt_response(422, description="Invalid filters; errors name each field")
    def post(self, q):
        """Search customers with the filters in the body (exact mobile or ID number without a URL)

        The same filters, visibility, sorting and cursor paging as GET /customers, taken from
        a JSON body instead of the query string, so the mobile or ID number looked up never
        sits in a URL: not in access logs, proxies, browser history or Referer headers. The
        next page is the same body with `cursor` set to the previous `next_cursor`. Results
        are masked as in the list; a manager finds only customers of their own book.
        """
        return _search(q)


class WorklistOut(Schema):
    risk_expiring = fields.List(fields.Dict())
    reverification_due = fields.List(fields.Dict())


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(WorklistQuery, location="query", unknown=RAISE)
    @blp.response(200, WorklistOut)
    def get(self, q):
        """A manager's customer-side worklist for a day (the gateway merges it)."""
        who = identity.current()
        who.ensure_can_see_manager(q["manager_id"])
        coll = service.store.collection
        day = q["date"]
        horizon = service._midnight(day + timedelta(days=q["risk_within_days"]))
        base = {"$and": [{"manager_id": q["manager_id"], "status": "active"}, queries.visibility(who)]}
        risk_rows = coll.find({"$and": [base, {"risk_valid_until": {"$ne": None, "$lte": horizon}}]},
                              {"name": 1, "tier": 1, "risk_level": 1, "risk_valid_until": 1}
                              ).sort([("risk_valid_until", 1)]).limit(200)
        cutoff = rules.reverify_cutoff(day, service.setting_int("CRM_REVERIFY_MONTHS"))
        reverify_rows = coll.find({"$and": [base, {"last_confirmed_at": {"$lt": cutoff}}]},
                                  {"name": 1, "tier": 1, "last_confirmed_at": 1}
                                  ).sort([("last_confirmed_at", 1)]).limit(200)
        return {
            "risk_expiring": [{"customer_id": r["_id"], "name": r["name"], "tier": r.get("tier"),
                               "risk_level": r.get("risk_level"),
                               "risk_valid_until": service.as_date(r["risk_valid_until"]).isoformat(),
                               "expired": service.as_date(r["risk_valid_until"]) < day} for r in risk_rows],
            "reverification_due": [{"customer_id": r["_id"], "name": r["name"], "tier": r.get("tier"),
                                    "last_confirmed_at": r["last_confirmed_at"].isoformat()} for r in reverify_rows],
        }


class StatsOut(Schema):
    tier_distribution = fields.Dict()
    per_manager = fields.Dict()


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(StatsQuery, location="query", unknown=RAISE)
    @blp.response(200, StatsOut)
    def get(self, q):
        """Team dashboard figures: tier distribution, per-manager book size, new customers
        in [from, to], expired risk assessments, re-verification due."""
        who = identity.current()
        ids = [m for m in (q.get("manager_ids") or "").split(",") if m]
        for m in ids:
            who.ensure_can_see_manager(m)
        query = {"$and": [{"status": "active"}, queries.visibility(who), *([{"manager_id": {"$in": ids}}] if ids else [])]}
        today = date.today()
        cutoff = rules.reverify_cutoff(today, service.setting_int("CRM_REVERIFY_MONTHS"))
        start = service._midnight(q.get("from_")) if q.get("from_") else None
        end = service._midnight(q["to"] + timedelta(days=1)) if q.get("to") else None
        tiers: dict = {}
        per: dict = {m: _empty_manager() for m in ids}
        proj = {"manager_id": 1, "tier": 1, "created_at": 1, "risk_valid_until": 1, "last_confirmed_at": 1}
        for r in service.store.collection.find(query, proj):
            tier = r.get("tier") or "standard"
            tiers[tier] = tiers.get(tier, 0) + 1
            m = per.setdefault(r.get("manager_id") or "unassigned", _empty_manager())
            m["customers"] += 1
            m["tier_distribution"][tier] = m["tier_distribution"].get(tier, 0) + 1
            created = r.get("created_at")
            if created and (start is None or created >= start) and (end is None or created < end):
                m["new_customers"] += 1
            rv = r.get("risk_valid_until")
            if rv is None:
                m["risk_missing"] += 1
            elif service.as_date(rv) < today:
                m["risk_expired"] += 1
            if r.get("last_confirmed_at") is None or r["last_confirmed_at"] < cutoff:
                m["reverification_due"] += 1
        return {"tier_distribution": tiers, "per_manager": per}


def _empty_manager():
    return {"customers": 0, "new_customers": 0, "tier_distribution": {}, "risk_expired": 0,
            "risk_missing": 0, "reverification_due": 0}


@blp.route("/<customer_id>")
class CustomerItem(MethodView):
    @blp.response(200, CustomerOut)
    def get(self, customer_id):
        """The profile (masked unless the caller may unmask; unmasked reads are audited)."""
        _, c = _visible(customer_id)
        return _ok(c)

    @blp.arguments(CustomerPatch)
    @blp.response(200, CustomerOut)
    def patch(self, patch, customer_id):
        """Change profile fields (If-Match required; null clears an optional field)."""
        who, _ = _visible(customer_id)
        expected = if_match_version()
        c = service.update(customer_id, expected, patch, who, channel="api")
        return _ok(c)


class HistoryEntry(Schema):
    version = fields.Integer()
    at = fields.DateTime()
    actor = fields.Dict()
    channel = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    action = fields.String()
    changes = fields.List(fields.Dict())


class HistoryPage(Schema):
    items = fields.List(fields.Nested(HistoryEntry))
    next_cursor = fields.String(allow_none=True)


@blp.route("/<customer_id>/history")
class History(MethodView):
    @blp.arguments(PageQuery, location="query", unknown=RAISE)
    @blp.response(200, HistoryPage)
    def get(self, q, customer_id):
        """Every change, newest first: who, when, channel, field, old → new (sensitive values masked)."""
        who, c = _visible(customer_id)
        return _history(who, c, q)


def _history(who, c, q, only_field: str | None = None):
    customer_id = c.id
    before = None
    if q.get("cursor"):
        (before,) = decode_cursor(q["cursor"], 1)
        if not isinstance(before, int) or isinstance(before, bool):   # a version, else a crafted cursor
            raise bad_request("Invalid cursor.")
    records = service.store.history(customer_id, limit=q["limit"] + 1, before_version=before)
    nxt = None
    if len(records) > q["limit"]:
        records = records[:q["limit"]]
        nxt = encode_cursor([records[-1]["version"]])
    items, clear = [], set()
    for rec in records:
        entry, shown = views.history_entry(rec, who)
        if only_field:
            entry["changes"] = [ch for ch in entry["changes"] if ch["field"] == only_field]
            if not entry["changes"]:
                continue
        clear.update(shown)
        items.append(entry)
    if clear and not only_field:
        audit.record_read(customer_id, sorted(clear), resource="customer_history", branch=c.branch)
    return {"items": items, "next_cursor": nxt}


@blp.route("/<customer_id>/confirm")
class Confirm(MethodView):
    @blp.arguments(ConfirmIn)
    @blp.response(200, CustomerOut)
    def post(self, data, customer_id):
        """The customer confirmed their information: resets the re-verification clock."""
        who, _ = _visible(customer_id)
        c = service.confirm(customer_id, if_match_version(), who, data["channel"], data.get("note"))
        return _ok(c)


@blp.route("/<customer_id>/archive")
class Archive(MethodView):
    @blp.arguments(ArchiveIn)
    @blp.response(200, CustomerOut)
    def post(self, data, customer_id):
        """Archive a customer (supervisors, admins)."""
        who, _ = _visible(customer_id)
        c = service.archive(customer_id, if_match_version(), who, data["reason"])
        return _ok(c)


@blp.route("/<customer_id>/manager")
class Manager(MethodView):
    @blp.arguments(AssignIn)
    @blp.response(200, CustomerOut)
    def put(self, data, customer_id):
        """Assign or reassign the relationship manager (supervisors within their team, admins)."""
        who, _ = _visible(customer_id)
        c = service.assign(customer_id, if_match_version(), data["manager_id"], who, data.get("reason"))
        return _ok(c)


@blp.route("/<customer_id>/manager-history")
class ManagerHistory(MethodView):
    @blp.arguments(PageQuery, location="query", unknown=RAISE)
    @blp.response(200, HistoryPage)
    def get(self, q, customer_id):
        """Assignments of this customer, newest first (from the change history)."""
        who, c = _visible(customer_id)
        return _history(who, c, {**q, "limit": 500}, only_field="manager_id")

