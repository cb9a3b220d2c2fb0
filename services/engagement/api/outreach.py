"""Outreach (触达): campaigns with a dry run, messages and their status, consent, templates,
provider callbacks and the customer's self-service links."""
import hmac

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.config import env
from chassis.errors import Problem
from chassis.models import as_dict
from chassis.openapi import problems

from .. import scope
from ..outreach import callbacks, campaigns, consent, links, messages, templates
from ..outreach.models import Message
from ..outreach.schemas import (
    CallbackOut,
    CallbackQuery,
    CampaignIn,
    CampaignOut,
    ConsentIn,
    ConsentOut,
    LinkAnswer,
    LinkDone,
    LinkView,
    MessageOut,
    SmsReport,
    SmsUp,
    TemplateIn,
    TemplateOut,
)

blp = Blueprint("outreach", __name__, url_prefix="/api/v1/engagement",
                description="Outreach: sending to customers within consent, quiet hours and caps")


@blp.route("/outreach/campaigns")
class Campaigns(MethodView):
    @blp.arguments(CampaignIn)
    @blp.response(200, CampaignOut, description="a dry run: who would be reached, who not and why")
    @blp.alt_response(202, schema=CampaignOut, description="accepted: the worker plans and sends it")
    @problems(blp, 403, 404)
    def post(self, data):
        """Send a batch (or count it: dry run)

        The day's greetings of a manager's book (`birthday`), a holiday greeting to a segment
        (`holiday`), an activity's invitations (`activity`), a survey distribution (`survey`),
        maturity notices (`maturity`). Each customer the caller may see is planned: queued
        (`send`, with `not_before`: 08:00 when asked in quiet hours) or refused with the reason
        (`no_consent`, `opted_out`, `capped`, `no_address`, `too_long`, `already_sent`).
        `dry_run`: answered at once (200), nothing queued. Otherwise accepted (202): the
        worker plans it (follow `GET /outreach/campaigns/{id}`), sends, retries and records
        the delivery status. 404: the manager or activity is not the caller's; 503: the
        customer service (contacts) did not answer.
        """
        return campaigns.run(data, identity.current(), messages.now())


@blp.route("/outreach/campaigns/<campaign_id>")
class CampaignItem(MethodView):
    @blp.response(200, CampaignOut)
    def get(self, campaign_id):
        """A campaign and what it did for each customer

        `planning` until the worker has planned it; then per customer: queued (and when) or
        refused with the reason. 404: no such campaign for this caller (campaigns are their
        creator's, their supervisor's and their branch admin's).
        """
        return campaigns.get(campaign_id, identity.current())


@blp.route("/customers/<customer_id>/messages")
class CustomerMessages(MethodView):
    @blp.response(200, MessageOut(many=True))
    def get(self, customer_id):
        """Messages sent to a customer

        Newest first (at most 200) with their delivery status. 404 when the customer is not in
        the caller's book.
        """
        scope.customer(customer_id)
        return [as_dict(m) for m in Message._get_collection().find({"customer_id": customer_id})
                .sort([("created_at", -1)]).limit(200)]


@blp.route("/customers/<customer_id>/consents")
class Consents(MethodView):
    @blp.response(200, ConsentOut(many=True))
    def get(self, customer_id):
        """A customer's consents (PIPL)

        Per channel and purpose: granted or withdrawn, with source, time and wording. Every
        change is in the audit trail. 404 when the customer is not in the caller's book.
        """
        scope.customer(customer_id)
        return [as_dict(c) for c in consent.of_customer(customer_id)]

    @blp.arguments(ConsentIn)
    @blp.response(200, ConsentOut)
    def post(self, data, customer_id):
        """Record a consent or an opt-out

        `granted: true` needs the `wording` the customer agreed to; `false` withdraws it,
        effective for the next send. The same state again changes nothing. 404 when the
        customer is not in the caller's book.
        """
        c = scope.customer(customer_id)
        return as_dict(consent.record(c, data["channel"], data["purpose"], data["granted"], data["source"],
                                      data.get("wording"), identity.current(), messages.now()))


def _template_out(t):
    return {**as_dict(t), "preview": templates.preview(t, templates.SAMPLE)}


@blp.route("/outreach/templates/<occasion>/<channel>")
class Template(MethodView):
    @blp.response(200, TemplateOut)
    def get(self, occasion, channel):
        """A message template with a preview

        The admin's current version, else the built-in one (version 0), rendered with sample
        values: the text, SMS segments and encoding, and any rule the text breaks. 404: no
        such occasion or channel.
        """
        identity.current()
        if occasion not in templates.OCCASIONS or channel not in ("sms", "wechat", "email", "inapp"):
            raise Problem(404, "not-found", "Not found", "No such template.")
        return _template_out(templates.current(occasion, channel))

    @blp.arguments(TemplateIn)
    @blp.response(200, TemplateOut)
    @problems(blp, 403, 412)
    def put(self, data, occasion, channel):
        """Change a template (admins)

        A new version; refused (422) when the text names an unknown variable or breaks the
        channel's rules (SMS length, WeChat field limits, e-mail subject). 412: `version` is
        not the current one.
        """
        if occasion not in templates.OCCASIONS or channel not in ("sms", "wechat", "email", "inapp"):
            raise Problem(404, "not-found", "Not found", "No such template.")
        return _template_out(templates.save(occasion, channel, data, identity.current()))


def _callback_allowed(q):
    want = env("CRM_OUTREACH_CALLBACK_TOKEN") or ""
    if not want or not hmac.compare_digest(want.encode(), q["token"].encode()):
        raise Problem(401, "unauthorized", "Unauthorized", "Unknown callback token.")


@blp.route("/outreach/callbacks/sms/report")
class SmsReports(MethodView):
    @blp.arguments(CallbackQuery, location="query")
    @blp.arguments(SmsReport(many=True))
    @blp.response(200, CallbackOut)
    def post(self, q, rows):
        """SMS delivery reports (provider callback)

        Alibaba Cloud SmsReport push: a JSON array; `out_id` names our message. The provider
        authenticates with the configured callback token (401 otherwise).
        """
        _callback_allowed(q)
        callbacks.sms_reports(rows, messages.now())
        return {"code": 0, "msg": "成功"}


@blp.route("/outreach/callbacks/sms/inbound")
class SmsInbound(MethodView):
    @blp.arguments(CallbackQuery, location="query")
    @blp.arguments(SmsUp(many=True))
    @blp.response(200, CallbackOut)
    def post(self, q, rows):
        """SMS replies (provider callback)

        Alibaba Cloud SmsUp push. A reply 退订 / TD withdraws care and marketing consent on SMS
        for the customers that number was sent to, at once. 401 without the callback token.
        """
        _callback_allowed(q)
        callbacks.sms_inbound(rows, messages.now())
        return {"code": 0, "msg": "成功"}


@blp.route("/links/<token>")
class Link(MethodView):
    @blp.response(200, LinkView)
    @problems(blp, 410)
    def get(self, token):
        """What a self-service link offers (no login: the link is the credential)

        An activity invitation to answer, or an unsubscribe to confirm; nothing else of the
        customer. 404: forged; 410: expired or already used.
        """
        return links.view(token, messages.now())

    @blp.arguments(LinkAnswer)
    @blp.response(200, LinkDone)
    @problems(blp, 410)
    def post(self, data, token):
        """Act on a self-service link, once

        RSVP (`answer`: accept or decline) or confirm an unsubscribe; the same events as a
        manager's record. 404: forged; 410: expired or already used (nothing changes).
        """
        return links.act(token, data, messages.now())
