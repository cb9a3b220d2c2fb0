"""/api/v1/engagement/policy: the branch's engagement policy — when no contact becomes a churn
signal, and the window in which attendees' opened products count for an activity."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from chassis import identity
from chassis.http import etag, if_match_version
from chassis.openapi import IF_MATCH, problems

from .. import retention

blp = Blueprint("engagement_policy", __name__, url_prefix="/api/v1/engagement/policy",
                description="The branch's engagement policy: no contact in N days, activity effect window")


class EngagementPolicyIn(Schema):
    class Meta:
        unknown = RAISE

    no_contact_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 3660), metadata={
        "description": "a customer with no interaction or visit for this many days raises a churn signal "
                       "(once per stale episode; default 90)"})
    products_window_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 366), metadata={
        "description": "products opened by an activity's attendees this many days after it count for the "
                       "activity (default 30)"})


class EngagementPolicyOut(EngagementPolicyIn):
    branch = fields.String(metadata={"description": "whose policy applied (`default` when the branch has none)"})
    version = fields.Integer(metadata={"description": "0: the built-in defaults"})


class PolicyQuery(Schema):
    branch = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "default: the caller's branch (`default` for bank-wide staff)"})


def _answer(branch: str | None):
    key, version, policy = retention.policy_for(branch)
    return {**policy, "branch": key, "version": version}, 200, {"ETag": etag(version)}


@blp.route("")
class Policy(MethodView):
    @blp.arguments(PolicyQuery, location="query", unknown=RAISE)
    @blp.response(200, EngagementPolicyOut, headers={
        "ETag": {"description": "the policy's version, to send back as If-Match", "schema": {"type": "string"}}})
    @problems(blp, 404)
    def get(self, q):
        """The engagement policy in force for a branch

        Days without contact before a churn signal (`no_contact_days`) and the window after
        an activity in which its attendees' opened products count (`products_window_days`).
        The branch's own policy, else the bank's default, else the built-in one (version 0).
        404 for another branch than the caller's (bank-wide staff read any).
        """
        who = identity.current()
        branch = q.get("branch") or who.branch or None
        if branch and branch != retention.DEFAULT:
            who.ensure_can_see_branch(branch)   # another branch's settings are not the caller's to read
        return _answer(branch)

    @blp.arguments(EngagementPolicyIn)
    @blp.response(200, EngagementPolicyOut, headers={
        "ETag": {"description": "the new version", "schema": {"type": "string"}}})
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 400, 403, 412, 428)
    def put(self, data):
        """Set the caller's branch's engagement policy (admins)

        Admins only (403 otherwise): a branch admin sets their branch's, a bank-wide admin the
        default. `If-Match`: the version of that policy itself (`"0"` while the branch has
        none of its own — GET then answers the default's, with `branch: default`); 428
        without it, 400 when it is not an ETag, 412 stale; 422 out of range, nothing
        changed. The worker uses it within 10 seconds.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        doc = retention.save_policy(data, if_match_version(), who)
        return _answer(doc.id)
