"""/api/v1/customers: the archive — create, read, update, search, history,
confirm, archive, manager (re)assignment, and the gateway's worklist and stats."""
from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.routing import BaseConverter

from chassis import audit, clock, identity
from chassis.errors import bad_request
from chassis.filters import all_of
from chassis.http import decode_cursor, encode_cursor, etag, if_match_version, page
from chassis.openapi import IF_MATCH, problems

from .. import presenters, queries, rules, service
from ..rules import TIERS
from ..schemas import (
    SORTS,
    ArchiveIn,
    AssignIn,
    ConfirmIn,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    CustomerQuery,
    CustomerSearch,
    PageQuery,
    StatsQuery,
    WorklistQuery,
)

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customer archive")


class CustomerIdConverter(BaseConverter):
    """A customer id: any path segment but the collection's own sub-resources, so that
    /customers/worklist is not also /customers/{customer_id} (OPTIONS listed the methods
    of both, and PATCH /customers/stats was "no such customer" instead of 405)."""
    regex = r"(?!(?:search|worklist|stats)$)[^/]+"


# Registered with the blueprint, before its rules are added (deferred in this order).
blp.record_once(lambda state: state.app.url_map.converters.setdefault("customer_id", CustomerIdConverter))

LIST_PROJECTION = {f: 1 for f in ("kind", "name", "tier", "classes", "tags", "manager_id", "branch", "status",
                                  "mobile", "birth_date", "risk_level", "risk_valid_until", "last_confirmed_at",
                                  "created_at", "birth_mmdd")}




def _ok(c, code=200):
    who = identity.current()
    return presenters.profile(c, who), code, {"ETag": etag(c.version)}


def _visible(customer_id):
    who = identity.current()
    c = service.store.require(customer_id, "customer")
    who.ensure_can_see(c.manager_id, c.branch)
    return who, c


@blp.route("")
class Customers(MethodView):
    @blp.arguments(CustomerQuery, location="query", unknown=RAISE)
    @blp.response(200, CustomerPage)
    @problems(blp, 400, 404)
    def get(self, q):
        """Search and list customers

        Filters: name prefix, mobile or ID number (exact), credit code, external id, tier,
        class, tag, manager, status, birthday window (`birthday_from` and `birthday_to`
        together, `MM-DD` of any year; the window may wrap the year end), re-verification
        due. Sorted by `sort`, one page of at most `limit` rows; pass `next_cursor` back as
        `cursor` for the next page. Rows are always masked and only the caller's customers
        are listed. To look up a mobile or ID number prefer POST /customers/search, which
        keeps them out of URLs. 400: a cursor this service did not write; 404: `manager_id`
        names a manager outside the caller's reach; 422: an unknown or invalid parameter.
        """
        return _search(q)

    @blp.arguments(CustomerIn, example={
        "kind": "individual", "name": "张三", "mobile": "13800138000", "id_type": "resident_id",
        "id_number": "11010519491231002X", "financial": {"aum_cents": 60000000}, "classes": ["retail"],
        "tags": ["golf"], "external_id": "core-001"})
    @blp.response(201, CustomerOut, headers={
        "ETag": {"description": "the version, to send back as If-Match", "schema": {"type": "string"}},
        "Location": {"description": "the new customer", "schema": {"type": "string"}}})
    @problems(blp, 403, 409)
    def post(self, data):
        """Register a customer

        Individual customers need a name; corporate ones a name and a valid unified social
        credit code. Fields of the other kind are refused by name (422). A manager registers
        into their own book; supervisors and admins may name an assignable `manager_id`
        (422 otherwise). The branch follows the manager. The tier is computed from
        `financial`. 403: auditors, or a manager naming another manager; 409
        `duplicate-customer` with `field` (and `existing_id` when the caller may see that
        customer) when the ID document, credit code, mobile or external id is taken.
        """
        c = service.create(data, identity.current(), channel="api")
        body, _, headers = _ok(c, 201)
        return body, 201, {**headers, "Location": f"/api/v1/customers/{c.id}"}


def _search(q: dict) -> dict:
    who = identity.current()
    if q.get("manager_id"):
        who.ensure_can_see_manager(q["manager_id"])   # another's book does not exist for the caller
    query = queries.customer_filter(q, who, clock.today(), service.setting_int("CRM_REVERIFY_MONTHS"))
    sort = SORTS[q["sort"]]
    if q["sort"] == "birthday":
        query = all_of(query, {"birth_mmdd": {"$ne": None}})
    rows, nxt = page(service.store.collection, query, sort, q["limit"], q.get("cursor"), LIST_PROJECTION)
    return {"items": [presenters.summary(r, who) for r in rows], "next_cursor": nxt}


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(CustomerSearch, unknown=RAISE, required=False, description=(
        "Any filters of GET /customers, with limit, cursor and sort; e.g. "
        '{"mobile": "139…", "limit": 20} or {"id_number": "…", "id_type": "resident_id"}'))
    @blp.response(200, CustomerPage, description="The customers the caller may see that match, one page")
    @problems(blp, 400, 404)
    def post(self, q):
        """Search customers with the filters in the body (exact mobile or ID number without a URL)

        The same filters, visibility, sorting and cursor paging as GET /customers, taken from
        a JSON body instead of the query string, so the mobile or ID number looked up never
        sits in a URL: not in access logs, proxies, browser history or Referer headers. The
        next page is the same body with `cursor` set to the previous `next_cursor`. Results
        are masked as in the list; a manager finds only customers of their own book.
        400: the cursor is not one this service wrote; 404: `manager_id` names a manager
        outside the caller's reach; 422: invalid filters, each field named.
        """
        return _search(q)


class RiskExpiringRow(Schema):
    customer_id = fields.String()
    name = fields.String()
    tier = fields.String(allow_none=True)
    risk_level = fields.String(allow_none=True)
    risk_valid_until = fields.Date()
    expired = fields.Boolean(metadata={"description": "valid until a day before `date`"})


class RiskMissingRow(Schema):
    customer_id = fields.String()
    name = fields.String()
    tier = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True, metadata={"description": "in the archive since"})


class ReverificationRow(Schema):
    customer_id = fields.String()
    name = fields.String()
    tier = fields.String(allow_none=True)
    last_confirmed_at = fields.DateTime()


class WorklistOut(Schema):
    risk_expiring = fields.List(fields.Nested(RiskExpiringRow),
                                metadata={"description": "at most 200, soonest first"})
    risk_missing = fields.List(fields.Nested(RiskMissingRow), metadata={
        "description": "never risk-assessed (风险评估), at most 200, longest in the archive first"})
    reverification_due = fields.List(fields.Nested(ReverificationRow),
                                     metadata={"description": "at most 200, longest unconfirmed first"})


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(WorklistQuery, location="query", unknown=RAISE)
    @blp.response(200, WorklistOut)
    @problems(blp, 404)
    def get(self, q):
        """A manager's customer-side worklist for a day

        The gateway merges it into GET /api/v1/views/worklist. `risk_expiring`: the manager's
        active customers whose risk assessment is valid until at most `date` +
        `risk_within_days` (already expired ones flagged `expired`); `risk_missing`: those
        never risk-assessed (a customer without a valid assessment may be offered no
        investment product); `reverification_due`:
        those whose information was last confirmed more than CRM_REVERIFY_MONTHS before
        `date`. 404: a manager outside the caller's reach.
        """
        who = identity.current()
        who.ensure_can_see_manager(q["manager_id"])
        coll = service.store.collection
        day = q["date"]
        horizon = service._midnight(day + timedelta(days=q["risk_within_days"]))
        base = all_of({"manager_id": q["manager_id"], "status": "active"}, queries.visibility(who))
        risk_rows = coll.find(all_of(base, {"risk_valid_until": {"$ne": None, "$lte": horizon}}),
                              {"name": 1, "tier": 1, "risk_level": 1, "risk_valid_until": 1}
                              ).sort([("risk_valid_until", 1)]).limit(200)
        missing_rows = coll.find(all_of(base, {"risk_valid_until": None}), {"name": 1, "tier": 1, "created_at": 1}
                                 ).sort([("created_at", 1), ("_id", 1)]).limit(200)
        cutoff = rules.reverify_cutoff(day, service.setting_int("CRM_REVERIFY_MONTHS"))
        reverify_rows = coll.find(all_of(base, {"last_confirmed_at": {"$lt": cutoff}}),
                                  {"name": 1, "tier": 1, "last_confirmed_at": 1}
                                  ).sort([("last_confirmed_at", 1)]).limit(200)
        return {
            "risk_expiring": [{"customer_id": r["_id"], "name": r["name"], "tier": r.get("tier"),
                               "risk_level": r.get("risk_level"),
                               "risk_valid_until": service.as_date(r["risk_valid_until"]),
                               "expired": service.as_date(r["risk_valid_until"]) < day} for r in risk_rows],
            "risk_missing": [{"customer_id": r["_id"], "name": r["name"], "tier": r.get("tier"),
                              "created_at": r.get("created_at")} for r in missing_rows],
            "reverification_due": [{"customer_id": r["_id"], "name": r["name"], "tier": r.get("tier"),
                                    "last_confirmed_at": r["last_confirmed_at"]} for r in reverify_rows],
        }


def tier_counts(**kw):
    return fields.Dict(keys=fields.String(validate=validate.OneOf(TIERS)), values=fields.Integer(), **kw,
                       metadata={"description": "tier → number of active customers (tiers without any left out)",
                                 "example": {"standard": 120, "gold": 31}})


class ManagerFigures(Schema):
    customers = fields.Integer(metadata={"description": "active customers in the book"})
    new_customers = fields.Integer(metadata={"description": "of them, registered in [from, to]"})
    tier_distribution = tier_counts()
    risk_expired = fields.Integer()
    risk_missing = fields.Integer(metadata={"description": "never assessed"})
    reverification_due = fields.Integer()


class StatsOut(Schema):
    tier_distribution = tier_counts()
    per_manager = fields.Dict(keys=fields.String(), values=fields.Nested(ManagerFigures), metadata={
        "description": "manager id (`unassigned` for customers without one) → figures; every manager "
                       "asked for is present, with zeros when the book is empty"})


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(StatsQuery, location="query", unknown=RAISE)
    @blp.response(200, StatsOut)
    @problems(blp, 404)
    def get(self, q):
        """Team dashboard figures from the customer archive

        The gateway merges them into GET /api/v1/views/team-dashboard. Over the active
        customers the caller may see (of `manager_ids` when given): the tier distribution
        and, per manager, book size, new customers registered in [`from`, `to`], risk
        assessments expired or missing, and re-verification due. 404: a manager in
        `manager_ids` outside the caller's reach.
        """
        who = identity.current()
        ids = [m for m in (q.get("manager_ids") or "").split(",") if m]
        for m in ids:
            who.ensure_can_see_manager(m)
        named = [{"manager_id": {"$in": ids}}] if ids else []
        query = all_of({"status": "active"}, queries.visibility(who), *named)
        today = clock.today()
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


@blp.route("/<customer_id:customer_id>")
class CustomerItem(MethodView):
    @blp.response(200, CustomerOut, headers={
        "ETag": {"description": "the version, to send back as If-Match", "schema": {"type": "string"}}})
    def get(self, customer_id):
        """A customer's profile

        Masked unless the caller holds the unmask right and stated a purpose
        (X-Unmask-Purpose at the gateway); every unmasked read is audited. The ETag is
        the version to send back as If-Match. 404: no such customer for this caller.
        """
        _, c = _visible(customer_id)
        return _ok(c)

    @blp.arguments(CustomerPatch, required=False, example={"tags": ["golf", "tea"], "email": None,
                                           "financial": {"aum_cents": 75000000}})
    @blp.response(200, CustomerOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 409, 412, 428)
    def patch(self, patch, customer_id):
        """Change profile fields

        Send only the fields to change; `null` clears an optional field. `If-Match` with
        the ETag read is required: 428 without it, 400 when it is not a version, 412 when
        the customer changed since. The manager changes through PUT /{id}/manager (422
        here). 409: the customer is archived (`archived`), or the new mobile / ID document
        belongs to another customer (`duplicate-customer`).
        """
        who, _ = _visible(customer_id)
        expected = if_match_version()
        c = service.update(customer_id, expected, patch, who, channel="api")
        return _ok(c)


class Actor(Schema):
    user_id = fields.String()
    role = fields.String(metadata={"description": "manager, supervisor, admin, or system for the workers"})


class Change(Schema):
    field = fields.String()
    old = fields.Raw(allow_none=True, metadata={"description": "the value before (any JSON value, as the field's)"})
    new = fields.Raw(allow_none=True, metadata={"description": "the value after"})
    masked = fields.Boolean(metadata={"description": "present and true when old and new are masked"})


class HistoryEntry(Schema):
    version = fields.Integer()
    at = fields.DateTime()
    actor = fields.Nested(Actor)
    channel = fields.String(allow_none=True, metadata={"description": "api, import, or where the customer "
                                                                      "confirmed (counter, phone...)"})
    reason = fields.String(allow_none=True)
    action = fields.String(validate=validate.OneOf(["create", "update"]))
    changes = fields.List(fields.Nested(Change))


class HistoryPage(Schema):
    items = fields.List(fields.Nested(HistoryEntry))
    next_cursor = fields.String(allow_none=True)


@blp.route("/<customer_id:customer_id>/history")
class History(MethodView):
    @blp.arguments(PageQuery, location="query", unknown=RAISE)
    @blp.response(200, HistoryPage)
    @problems(blp, 400)
    def get(self, q, customer_id):
        """A customer's change history

        Every change, newest first and cursor-paginated: version, who, when, channel,
        reason, and per field old → new. Sensitive values are masked (`masked: true`)
        unless the caller may unmask, in which case the read is audited. 400: a cursor this
        service did not write.
        """
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
        entry, shown = presenters.history_entry(rec, who)
        if only_field:
            entry["changes"] = [ch for ch in entry["changes"] if ch["field"] == only_field]
            if not entry["changes"]:
                continue
        clear.update(shown)
        items.append(entry)
    if clear and not only_field:
        audit.record_read(customer_id, sorted(clear), resource="customer_history", branch=c.branch)
    return {"items": items, "next_cursor": nxt}


@blp.route("/<customer_id:customer_id>/confirm")
class Confirm(MethodView):
    @blp.arguments(ConfirmIn, required=False, example={"channel": "counter", "note": "checked at the branch"})
    @blp.response(200, CustomerOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 412, 428)
    def post(self, data, customer_id):
        """Record that the customer confirmed their information

        Sets `last_confirmed_at` to now, which resets the re-verification clock
        (CRM_REVERIFY_MONTHS). `If-Match` required: 428 without, 400 malformed, 412 stale.
        """
        who, _ = _visible(customer_id)
        c = service.confirm(customer_id, if_match_version(), who, data["channel"], data.get("note"))
        return _ok(c)


@blp.route("/<customer_id:customer_id>/archive")
class Archive(MethodView):
    @blp.arguments(ArchiveIn, example={"reason": "account closed"})
    @blp.response(200, CustomerOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 409, 412, 428)
    def post(self, data, customer_id):
        """Archive a customer

        Supervisors and admins (403 for others). An archived customer is read-only and
        leaves worklists and books. `If-Match` required: 428 without, 400 malformed, 412
        stale. 409 `already-archived`.
        """
        who, _ = _visible(customer_id)
        c = service.archive(customer_id, if_match_version(), who, data["reason"])
        return _ok(c)


@blp.route("/<customer_id:customer_id>/manager")
class Manager(MethodView):
    @blp.arguments(AssignIn, example={"manager_id": "u-manager-2", "reason": "portfolio rebalanced"})
    @blp.response(200, CustomerOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 412, 428)
    def put(self, data, customer_id):
        """Assign or reassign the relationship manager

        Supervisors (within their team) and admins (within their branch); 403 for others.
        The customer's branch follows the new manager. 422 on `manager_id` when it is not an
        active manager or supervisor the caller may assign to. `If-Match` required: 428
        without, 400 malformed, 412 stale.
        """
        who, _ = _visible(customer_id)
        c = service.assign(customer_id, if_match_version(), data["manager_id"], who, data.get("reason"))
        return _ok(c)


@blp.route("/<customer_id:customer_id>/manager-history")
class ManagerHistory(MethodView):
    @blp.arguments(PageQuery, location="query", unknown=RAISE)
    @blp.response(200, HistoryPage)
    @problems(blp, 400)
    def get(self, q, customer_id):
        """A customer's manager assignments

        The history entries that changed `manager_id`, newest first, each with only that
        change (up to 500 versions back from `cursor`). 400: a cursor this service did not
        write.
        """
        who, c = _visible(customer_id)
        return _history(who, c, {**q, "limit": 500}, only_field="manager_id")

