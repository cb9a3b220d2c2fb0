"""Outreach documents. Aggregates (consent, templates, messages, campaigns) are written only
through ``chassis.store.AggregateStore``; claims and cap slots are unique inserts."""
from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, StringField

from chassis.models import Aggregate

ALIAS = "engagement"


class Consent(Aggregate):
    """id = "<customer>:<channel>:<purpose>"; its change records are the audited history."""
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    channel = StringField(required=True)
    purpose = StringField(required=True)
    status = StringField(required=True, choices=("granted", "withdrawn"))
    source = StringField(required=True)
    wording = StringField(max_length=2000)      # the text the customer agreed to (or the reply)
    recorded_at = DateTimeField(required=True)
    recorded_by = StringField()

    meta = {"db_alias": ALIAS, "collection": "consents",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class OutreachTemplate(Aggregate):
    """id = "<occasion>:<channel>"; every change is a new version (history in the store)."""
    occasion = StringField(required=True)      # birthday | anniversary | holiday | activity | survey | maturity
    channel = StringField(required=True)
    subject = StringField(max_length=120)       # e-mail
    body = StringField(required=True, max_length=4000)
    provider_template = StringField()           # SMS TemplateCode / WeChat template_id
    fields = DictField()                        # WeChat: field key -> text with {variables}
    updated_by = StringField()

    meta = {"db_alias": ALIAS, "collection": "outreach_templates"}


class Message(Aggregate):
    """id = "<occasion key>:<customer>:<channel>": one message per occasion, customer and channel,
    guaranteed by the unique id, whatever retries or batches repeat."""
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    channel = StringField(required=True)
    purpose = StringField(required=True)
    occasion = StringField(required=True)       # birthday:2026, activity:<id>, survey:<invitation> ...
    kind = StringField(required=True)           # birthday | anniversary | holiday | activity | survey | maturity
    campaign_id = StringField()
    urgent = BooleanField(default=False)
    template_version = IntField()
    subject = StringField()
    body = StringField()
    fields = DictField()                         # WeChat template fields, rendered
    variables = DictField()                      # SMS TemplateParam (the provider renders the text)
    status = StringField(required=True, choices=(
        "queued", "sent", "delivered", "failed", "bounced", "uncertain"))
    reason = StringField()                       # quiet_hours while queued; the failure reason after
    not_before = DateTimeField(required=True)
    attempts = IntField(default=0)
    provider_id = StringField()
    address_hash = StringField()
    sent_at = DateTimeField()
    delivered_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "outreach_messages",
            "indexes": [{"fields": ["status", "not_before"], "name": "due"},
                        {"fields": ["customer_id"], "name": "by_customer"},
                        {"fields": ["provider_id"], "name": "by_provider_id"},
                        {"fields": ["address_hash"], "name": "by_address"},
                        {"fields": ["campaign_id"], "name": "by_campaign"}]}


class Campaign(Aggregate):
    """A batch send: accepted by a request (``planning``), planned by the worker (``planned``)."""
    kind = StringField(required=True)
    purpose = StringField(required=True)
    params = DictField()
    channel = StringField()
    urgent = BooleanField(default=False)
    branch = StringField()
    created_by = StringField()
    requested_by = DictField()     # the caller's identity: the worker plans what they may see
    send_at = DateTimeField()
    status = StringField(default="planning", choices=("planning", "planned"))
    targets = IntField(default=0)
    reached = IntField(default=0)
    refused = DictField()          # reason -> count
    queued_late = IntField(default=0)

    meta = {"db_alias": ALIAS, "collection": "outreach_campaigns",
            "indexes": [{"fields": ["status"], "name": "by_status"}]}


class SurveyInvite(Document):
    """Feedback's survey invitations (from feedback.survey.invited); _id = invitation id."""
    id = StringField(primary_key=True)
    survey_id = StringField()
    customer_id = StringField(required=True)
    manager_id = StringField()
    distribution_id = StringField()
    received_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "outreach_survey_invites",
            "indexes": [{"fields": ["distribution_id"], "name": "by_distribution"}]}


class InboxMessage(Document):
    """The mobile-banking in-app inbox (the app reads it); _id = the message id."""
    id = StringField(primary_key=True)
    customer_id = StringField(required=True)
    title = StringField()
    body = StringField()
    created_at = DateTimeField()
    read_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "inapp_inbox",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class Outcome(Document):
    """What a campaign did for one customer (queued, or refused and why); _id = "<campaign>:<customer>"."""
    id = StringField(primary_key=True)
    campaign_id = StringField(required=True)
    customer_id = StringField(required=True)
    channel = StringField()
    send = BooleanField()
    reason = StringField()
    not_before = DateTimeField()
    message_id = StringField()
    at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "outreach_outcomes",
            "indexes": [{"fields": ["campaign_id"], "name": "by_campaign"},
                        {"fields": ["customer_id"], "name": "by_customer"}]}


class NamedCollection:
    """A plain collection of the engagement database, resolved at each use (a port: unit tests
    bind ``chassis.fakes.FakeCollection``). Claims and cap slots live in such collections:
    their unique ``_id`` is the whole guarantee."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attr: str):
        return getattr(Message._get_collection().database[self.name], attr)
