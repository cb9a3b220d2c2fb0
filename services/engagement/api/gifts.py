"""Gifts (小礼品): catalogue, branch budgets, issuing. Stock and budget are unique-insert slots."""
import time
import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.errors import conflict, forbidden, not_found
from chassis.http import etag, if_match_version
from chassis.openapi import problems
from chassis.store import AggregateStore
from contracts import engagement as events

from .. import access, jobs, rules, slots
from ..models import Budget, Gift, GiftIssue
from ..schemas import BudgetIn, BudgetOut, GiftIn, GiftOut, IssueIn, IssueOut, RestockIn

blp = Blueprint("gifts", __name__, url_prefix="/api/v1/engagement",
                description="Gift catalogue, budgets per branch and period, issuance log")
gifts = AggregateStore(Gift, "gift")
budgets = AggregateStore(Budget, "budget")
issues = AggregateStore(GiftIssue, "gift_issue")


def gift_view(g: Gift) -> dict:
    used = slots.stock_used(g.id)
    return {**access.out(g), "issued": used, "available": max(g.stock_total - used, 0)}


def budget_view(b: Budget) -> dict:
    spent = slots.spent(b.id)
    return {**access.out(b), "spent_cents": spent, "remaining_cents": b.amount_cents - spent}


@blp.route("/gifts")
class Gifts(MethodView):
    @blp.arguments(GiftIn)
    @blp.response(201, GiftOut)
    @problems(blp, 403)
    def post(self, data):
        """Add a gift to the catalogue (admins)

        A gift with its unit cost, the stock bought and the tiers it may be given to
        (empty: every tier). 403 for other roles. Answers 201 with `ETag`.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        g = Gift(id=str(uuid.uuid4()), name=data["name"], cost_cents=data["cost_cents"],
                 stock_total=data["stock"], tiers=data["tiers"])
        gifts.create(g, who)
        return gift_view(g), 201, {"ETag": etag(g.version)}

    @blp.response(200, GiftOut(many=True))
    def get(self):
        """The gift catalogue

        Active gifts by name, with what is issued and still available.
        """
        identity.current()
        return [gift_view(g) for g in Gift.objects(active=True).order_by("name")]


@blp.route("/gifts/<gift_id>")
class GiftItem(MethodView):
    @blp.response(200, GiftOut)
    def get(self, gift_id):
        """One gift

        With its `ETag` (send it as `If-Match` to restock).
        """
        identity.current()
        g = gifts.require(gift_id, "gift")
        return gift_view(g), 200, {"ETag": etag(g.version)}


@blp.route("/gifts/<gift_id>/restock")
class Restock(MethodView):
    @blp.arguments(RestockIn)
    @blp.response(200, GiftOut)
    @problems(blp, 400, 403, 412, 428)
    def post(self, data, gift_id):
        """Restock a gift (admins)

        Adds `add` to the stock. Needs `If-Match` with the gift's ETag (428 without it,
        400 when it is not an ETag, 412 when the gift changed since). 403 for other roles.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        # More slots exist afterwards; the claimed ones stay claimed (no counter to race on).
        g = gifts.update(gift_id, if_match_version(),
                         lambda d: setattr(d, "stock_total", d.stock_total + data["add"]), who)
        return gift_view(g), 200, {"ETag": etag(g.version)}


@blp.route("/budgets")
class Budgets(MethodView):
    @blp.arguments(BudgetIn)
    @blp.response(201, BudgetOut)
    @problems(blp, 403, 409)
    def post(self, data):
        """Set a gift budget (admins)

        The amount a branch may spend on gifts in a year (`2026`), quarter (`2026-Q3`) or
        month (`2026-07`); an issue spends from the most specific budget covering today.
        One budget per branch and period: a second is 409 `already-exists`. 403 for other
        roles, and for an admin setting another branch's budget. Answers 201 with `ETag`.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        if who.branch and data["branch"] != who.branch:
            raise forbidden("Admins set budgets for their own branch only.")
        b = Budget(id=f"{data['branch']}:{data['period']}", **data)
        budgets.create(b, who)
        return budget_view(b), 201, {"ETag": etag(b.version)}

    @blp.response(200, BudgetOut(many=True))
    @problems(blp, 403)
    def get(self):
        """Gift budgets (admins, supervisors)

        Budgets of the caller's branch (all branches for bank-wide staff) with what is
        spent and remains. 403 for other roles.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN, identity.SUPERVISOR)
        q = Budget.objects(branch=who.branch) if who.branch else Budget.objects
        return [budget_view(b) for b in q.order_by("branch", "period")]


def _budget_for(branch: str | None):
    if not branch:
        return None
    for period in rules.period_keys(access.today()):
        b = budgets.get(f"{branch}:{period}")
        if b is not None:
            return b
    return None


def _replay(existing: GiftIssue, gift_id: str, customer_id: str):
    if existing.gift_id != gift_id or existing.customer_id != customer_id:
        raise conflict("This request_id was already used for another issue.", slug="request-id-reused")
    return access.out(existing), 200


@blp.route("/gifts/<gift_id>/issues")
class Issue(MethodView):
    @blp.arguments(IssueIn)
    @blp.response(201, IssueOut)
    @blp.alt_response(200, schema=IssueOut, description="The same request_id was already issued")
    @problems(blp, 409)
    def post(self, data, gift_id):
        """Give a gift to a customer

        Takes one from stock and its cost from the branch's budget covering today. Send a
        fresh `request_id` per gift and the same one when retrying: a request is issued at
        most once, and a retry answers 200 with the first issue. 409 when the gift is not
        for the customer's tier (`not-eligible`), out of stock (`out-of-stock`), no budget
        covers today (`no-budget`), the budget cannot cover it (`budget-exhausted`), the
        `request_id` was used for another gift or customer (`request-id-reused`) or is still
        in flight (`in-progress`). 404 when the gift or the customer (not in the caller's
        book) does not exist. Answers 201 with `Location`.
        """
        who = identity.current()
        snap = access.customer(data["customer_id"])
        gift = gifts.get(gift_id)
        if gift is None or not gift.active:
            raise not_found("gift")
        if not rules.gift_eligible(gift.tiers, snap.get("tier")):
            raise conflict(f"This gift is for tiers {', '.join(gift.tiers)} only.", slug="not-eligible")
        key = data["request_id"]
        existing = issues.get(key)
        if existing:
            return _replay(existing, gift_id, snap["id"])
        if not slots.take_request(key):
            # Another call with this key is in flight: answer with its result once it lands.
            for _ in range(50):
                time.sleep(0.1)
                existing = issues.get(key)
                if existing:
                    return _replay(existing, gift_id, snap["id"])
            raise conflict("A request with this request_id is still being processed.", slug="in-progress")
        branch = snap.get("branch") or who.branch
        budget = _budget_for(branch)
        if budget is None:
            slots.drop_request(key)
            raise conflict(f"No gift budget for branch {branch or '(none)'} covers today.", slug="no-budget")
        n = slots.claim_stock(gift.id, gift.stock_total, key)
        if n is None:
            slots.drop_request(key)
            raise conflict("This gift is out of stock.", slug="out-of-stock")
        try:
            seq = slots.spend(budget.id, budget.amount_cents, gift.cost_cents, key)
        except Exception:
            slots.release_stock(gift.id, n, key)
            slots.drop_request(key)
            raise
        if seq is None:
            slots.release_stock(gift.id, n, key)
            slots.drop_request(key)
            raise conflict("The branch gift budget cannot cover this gift.", slug="budget-exhausted")
        now = access.now()
        doc = GiftIssue(id=key, gift_id=gift.id, customer_id=snap["id"], manager_id=snap.get("manager_id"),
                        branch=branch, reason=data["reason"], issued_by=who.user_id, issued_at=now,
                        cost_cents=gift.cost_cents, stock_slot=n, budget_id=budget.id, budget_seq=seq)
        try:
            issues.create(doc, who, [events.GIFT_ISSUED.new(key, {
                "issue_id": key, "gift_id": gift.id, "customer_id": doc.customer_id, "manager_id": doc.manager_id,
                "cost_cents": doc.cost_cents, "budget_id": budget.id,
                "issued_by": who.user_id, "issued_at": now})], reason=data["reason"])
        except Exception:
            jobs.refund_once(budget.id, gift.cost_cents, key)
            slots.release_stock(gift.id, n, key)
            slots.drop_request(key)
            raise
        return access.out(doc), 201, {"Location": f"/api/v1/engagement/gift-issues/{key}"}


@blp.route("/customers/<customer_id>/gifts")
class CustomerGifts(MethodView):
    @blp.response(200, IssueOut(many=True))
    def get(self, customer_id):
        """Gifts a customer was given

        Newest first (at most 200). 404 when the customer is not in the caller's book.
        """
        access.customer(customer_id)
        return [access.out(r) for r in GiftIssue._get_collection().find({"customer_id": customer_id}).sort(
            [("issued_at", -1)]).limit(200)]
