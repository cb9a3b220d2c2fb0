"""HTTP for gifts (小礼品): catalogue, branch budgets, issuing; the use cases are in gifting.py."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.errors import not_found
from chassis.http import etag, if_match_version
from chassis.models import as_dict
from chassis.openapi import IF_MATCH, problems

from .. import gifting, scope
from ..gifting import budget_view, gift_view
from ..models import Budget, Gift, GiftIssue
from ..schemas import BudgetIn, BudgetOut, GiftBudgetOut, GiftIn, GiftOut, IssueIn, IssueOut, RestockIn

blp = Blueprint("gifts", __name__, url_prefix="/api/v1/engagement",
                description="Gift catalogue, budgets per branch and period, issuance log")


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
        g = gifting.add_gift(data, identity.current())
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
        g = gifting.gifts.require(gift_id, "gift")
        return gift_view(g), 200, {"ETag": etag(g.version)}


@blp.route("/gifts/<gift_id>/restock")
class Restock(MethodView):
    @blp.arguments(RestockIn)
    @blp.response(200, GiftOut)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 412, 428)
    def post(self, data, gift_id):
        """Restock a gift (admins)

        Adds `add` to the stock. Needs `If-Match` with the gift's ETag (428 without it,
        400 when it is not an ETag, 412 when the gift changed since). 403 for other roles.
        """
        g = gifting.restock(gift_id, if_match_version(), data["add"], identity.current())
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
        b = gifting.set_budget(data, identity.current())
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


@blp.route("/gifts/<gift_id>/issues")
class Issue(MethodView):
    @blp.arguments(IssueIn)
    @blp.response(201, IssueOut)
    @blp.alt_response(200, schema=IssueOut, description="The same request_id was already issued")
    @problems(blp, 409, 503)
    def post(self, data, gift_id):
        """Give a gift to a customer

        Takes one from stock and its cost from the branch's budget covering today. Send a
        fresh `request_id` per gift and the same one when retrying: a request is issued at
        most once, and a retry answers 200 with the first issue. 409 when the gift is not
        for the customer's tier (`not-eligible`), out of stock (`out-of-stock`), no budget
        covers today (`no-budget`), the budget cannot cover it (`budget-exhausted`), the
        `request_id` was used for another gift or customer (`request-id-reused`) or is still
        in flight (`in-progress`). 404 when the gift or the customer (not in the caller's
        book) does not exist; 503 when the customer is new here and the customer service (it
        is read from) does not answer. Answers 201 with `Location`.
        """
        snap = scope.customer(data["customer_id"])
        doc, created = gifting.issue(gift_id, snap, data["request_id"], data["reason"], identity.current())
        if not created:
            return as_dict(doc), 200
        return as_dict(doc), 201, {"Location": f"/api/v1/engagement/gift-issues/{doc.id}"}


@blp.route("/customers/<customer_id>/gifts")
class CustomerGifts(MethodView):
    @blp.response(200, IssueOut(many=True))
    @problems(blp, 503)
    def get(self, customer_id):
        """Gifts a customer was given

        Newest first (at most 200). 404 when the customer is not in the caller's book;
        503 when the customer is new here and the customer service, which it is read from, does not answer.
        """
        scope.customer(customer_id)
        return [as_dict(r) for r in GiftIssue._get_collection().find({"customer_id": customer_id}).sort(
            [("issued_at", -1)]).limit(200)]


@blp.route("/gift-issues/<issue_id>")
class IssueItem(MethodView):
    @blp.response(200, IssueOut)
    def get(self, issue_id):
        """One gift issue

        Where `POST /gifts/{gift_id}/issues` points (`Location`): what was given to whom, when,
        at what cost and from which budget. 404 when there is no such issue or its customer is
        not in the caller's book now.
        """
        doc = gifting.issues.get(issue_id)
        if doc is None:
            raise not_found("gift issue")
        scope.customer(doc.customer_id, what="gift issue", read_through=False)   # the current book decides
        return as_dict(doc)


@blp.route("/customers/<customer_id>/gift-budget")
class CustomerGiftBudget(MethodView):
    @blp.response(200, GiftBudgetOut)
    @problems(blp, 503)
    def get(self, customer_id):
        """The gift budget a gift to this customer would spend from today

        The budget of the customer's branch (else the caller's) covering today, most specific
        first, with what is spent and remains: what the manager sees before issuing, since
        managers do not read the branch's budget list. `budget` is null when none covers today.
        404 when the customer is not in the caller's book; 503 when the customer is new here
        and the customer service, which it is read from, does not answer.
        """
        who = identity.current()
        snap = scope.customer(customer_id)
        branch = snap.get("branch") or who.branch
        b = gifting.budget_for(branch)
        return {"customer_id": customer_id, "branch": branch or None, "date": clock.today(),
                "budget": budget_view(b) if b is not None else None}
