"""Request and response bodies of the outreach API."""
from marshmallow import EXCLUDE, Schema, fields, validate

from chassis.schemas import StrictBoolean

from . import rules
from .templates import OCCASIONS

ID = validate.Length(1, 100)
CHANNEL = validate.OneOf(rules.CHANNELS)


class CampaignIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("birthday", "holiday", "activity", "survey",
                                                                 "maturity")))
    params = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), values=fields.Raw(), load_default=dict,
                         validate=validate.Length(max=10), metadata={
                             "description": "birthday: manager_id, date · holiday: holiday (key), year, segment "
                                            "· activity: activity_id · survey: distribution_id · maturity: none",
                             "example": {"manager_id": "m1", "date": "2026-11-29"}})
    channel = fields.String(validate=CHANNEL, metadata={"description": "default: each customer's preferred channel"})
    send_at = fields.AwareDateTime(metadata={"description": "when to send (default now); in quiet hours (21:00–08:00 "
                                                            "bank time) it waits until 08:00 unless urgent"})
    urgent = StrictBoolean(load_default=False)
    dry_run = StrictBoolean(load_default=False, metadata={"description": "count who would be reached; send nothing"})


class SendPlanOut(Schema):
    customer_id = fields.String()
    channel = fields.String(allow_none=True)
    send = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "description": "why not sent: no_consent | opted_out | capped | no_address | too_long | already_sent; "
                       "quiet_hours when it waits for the morning"})
    not_before = fields.DateTime(allow_none=True)
    message_id = fields.String(allow_none=True)


class CampaignOut(Schema):
    campaign_id = fields.String(allow_none=True, metadata={"description": "null for a dry run"})
    kind = fields.String()
    dry_run = fields.Boolean()
    status = fields.String(metadata={"description": "dry_run | planning (accepted, the worker plans it) | planned"})
    targets = fields.Integer()
    reached = fields.Integer()
    queued_for_later = fields.Integer()
    refused = fields.Dict(keys=fields.String(), values=fields.Integer())
    customers = fields.List(fields.Nested(SendPlanOut))


class MessageOut(Schema):
    id = fields.String()
    customer_id = fields.String()
    channel = fields.String()
    purpose = fields.String()
    kind = fields.String()
    occasion = fields.String()
    status = fields.String(metadata={"description": "queued | sent | delivered | failed | bounced | uncertain"})
    reason = fields.String(allow_none=True)
    not_before = fields.DateTime(allow_none=True)
    attempts = fields.Integer()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    campaign_id = fields.String(allow_none=True)


class ConsentIn(Schema):
    channel = fields.String(required=True, validate=CHANNEL)
    purpose = fields.String(required=True, validate=validate.OneOf(rules.PURPOSES))
    granted = StrictBoolean(required=True)
    source = fields.String(load_default="manager", validate=validate.OneOf(("manager", "customer_form")))
    wording = fields.String(validate=validate.Length(0, 2000), metadata={
        "description": "the text the customer agreed to (required when granting)",
        "example": "本人同意贵行通过短信向本人发送节日及生日关怀信息。"})


class ConsentOut(Schema):
    id = fields.String()
    customer_id = fields.String()
    channel = fields.String()
    purpose = fields.String()
    status = fields.String()
    source = fields.String()
    wording = fields.String(allow_none=True)
    recorded_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)
    version = fields.Integer()


class TemplateIn(Schema):
    subject = fields.String(validate=validate.Length(1, 120))
    body = fields.String(required=True, validate=validate.Length(1, 4000))
    provider_template = fields.String(validate=validate.Length(1, 64))
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String(validate=validate.Length(1, 32)),
                          values=fields.String(validate=validate.Length(0, 200)), validate=validate.Length(max=10))
    version = fields.Integer(metadata={"description": "the version changed (412 when stale)"})


class Preview(Schema):
    subject = fields.String(allow_none=True)
    body = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String(), values=fields.String())
    encoding = fields.String(metadata={"description": "SMS: GSM-7 or UCS-2"})
    segments = fields.Integer(metadata={"description": "SMS: 70 UCS-2 characters single, 67 per part concatenated"})
    characters = fields.Integer()
    problems = fields.List(fields.String(), metadata={"description": "channel rules the text breaks (empty: fits)"})


class TemplateOut(Schema):
    id = fields.String()
    occasion = fields.String(validate=validate.OneOf(OCCASIONS))
    channel = fields.String()
    version = fields.Integer(metadata={"description": "0: the built-in default"})
    subject = fields.String(allow_none=True)
    body = fields.String()
    provider_template = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String(), values=fields.String(),
                          metadata={"description": "WeChat: template field key → text with {variables}"})
    preview = fields.Nested(Preview, metadata={"description": "rendered with sample values"})


class SmsReport(Schema):
    """One row of Alibaba Cloud's SmsReport push (fields we do not use are ignored)."""
    class Meta:
        unknown = EXCLUDE

    out_id = fields.String(allow_none=True)
    biz_id = fields.String(allow_none=True)
    success = fields.Boolean(load_default=False)
    err_code = fields.String(allow_none=True)
    phone_number = fields.String(allow_none=True)


class SmsUp(Schema):
    """One row of Alibaba Cloud's SmsUp push (a reply to an SMS)."""
    class Meta:
        unknown = EXCLUDE

    phone_number = fields.String(required=True, validate=validate.Length(1, 20))
    content = fields.String(required=True, validate=validate.Length(0, 500))


class CallbackQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(1, 200))


class CallbackOut(Schema):
    code = fields.Integer(metadata={"description": "0: received (the provider's expected answer)"})
    msg = fields.String()


class LinkView(Schema):
    kind = fields.String(metadata={"description": "rsvp | unsubscribe | survey"})
    title = fields.String()
    starts_at = fields.DateTime(allow_none=True)
    location = fields.String(allow_none=True)
    choices = fields.List(fields.String())


class LinkAnswer(Schema):
    answer = fields.String(validate=validate.OneOf(("accept", "decline", "confirm")))


class LinkDone(Schema):
    kind = fields.String()
    done = fields.Boolean()
    status = fields.String()
