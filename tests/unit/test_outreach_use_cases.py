"""Outreach use cases over in-memory fakes (chassis.fakes): the dispatcher's claim-per-attempt,
retries with backoff, consent re-checked at send time, and the channel's answer recorded."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chassis.fakes import FakeCollection, FakeStore
from services.engagement import bootstrap as root
from services.engagement.outreach import dispatch, keys
from services.engagement.outreach.channels import Result
from services.engagement.outreach.models import Consent, Message, OutreachTemplate

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)   # 10:00 bank time


class FakeChannel:
    receipts = True

    def __init__(self, *answers: Result) -> None:
        self.answers = list(answers)
        self.sent: list = []

    def send(self, out):
        self.sent.append(out)
        return self.answers.pop(0) if self.answers else Result("sent", provider_id="p1")

    def lookup(self, out, since):
        return None


class FakeContacts:
    def profile(self, customer_id):
        return {"id": customer_id, "mobile": "13900000000", "email": None, "wechat": None}


@pytest.fixture
def outreach():
    keys.configure("k" * 40)
    fakes = {"messages": FakeStore(Message, "message"), "consents": FakeStore(Consent, "consent"),
             "outreach_templates": FakeStore(OutreachTemplate, "outreach_template"),
             "outreach_claims": FakeCollection("outreach_claims"), "contacts": FakeContacts(),
             "channels": {"sms": FakeChannel()}}
    with root.ports.overridden(**fakes):
        yield fakes


def queue(fakes, purpose="marketing", consent="granted"):
    from chassis.identity import system
    m = Message(id="activity:a1:c1:sms", customer_id="c1", channel="sms", purpose=purpose, occasion="activity:a1",
                kind="activity", body="邀请", status="queued", not_before=NOW)
    fakes["messages"].create(m, system("t"))
    if consent:
        fakes["consents"].create(Consent(id=f"c1:sms:{purpose}", customer_id="c1", channel="sms", purpose=purpose,
                                         status=consent, source="manager", recorded_at=NOW), system("t"))
    return m.id


def test_an_attempt_is_claimed_once_and_its_answer_recorded(outreach):
    mid = queue(outreach)
    assert dispatch.send_one(mid, NOW) == "sent"
    assert dispatch.send_one(mid, NOW) == "skipped"          # sent: nothing more
    m = outreach["messages"].get(mid)
    assert (m.status, m.attempts, m.provider_id) == ("sent", 1, "p1")
    assert len(outreach["channels"]["sms"].sent) == 1
    assert outreach["outreach_claims"].find_one({"_id": f"{mid}:1"})["result"] == "sent"


def test_a_claimed_attempt_is_not_sent_by_a_second_worker(outreach):
    mid = queue(outreach)
    outreach["outreach_claims"].insert_one({"_id": f"{mid}:1", "message_id": mid, "attempt": 1, "at": NOW})
    assert dispatch.send_one(mid, NOW) == "skipped"
    assert outreach["channels"]["sms"].sent == []


def test_a_transient_failure_is_retried_with_backoff(outreach):
    outreach["channels"]["sms"].answers = [Result("failed", reason="busy", retry=True)]
    mid = queue(outreach)
    assert dispatch.send_one(mid, NOW) == "retrying"
    m = outreach["messages"].get(mid)
    assert m.status == "queued" and m.attempts == 1 and m.reason == "retrying"
    later = m.not_before.replace(tzinfo=timezone.utc)
    assert later == NOW + timedelta(seconds=30)
    assert dispatch.send_one(mid, NOW) == "skipped"           # not yet due
    assert dispatch.send_one(mid, later) == "sent"
    assert outreach["messages"].get(mid).attempts == 2


def test_a_permanent_failure_is_final(outreach):
    outreach["channels"]["sms"].answers = [Result("failed", reason="sms isv.MOBILE_NUMBER_ILLEGAL")]
    mid = queue(outreach)
    assert dispatch.send_one(mid, NOW) == "failed"
    assert outreach["messages"].get(mid).status == "failed"


def test_an_opt_out_after_queueing_stops_the_send(outreach):
    mid = queue(outreach, consent="withdrawn")
    assert dispatch.send_one(mid, NOW) == "failed"
    assert outreach["messages"].get(mid).reason == "opted_out"
    assert outreach["channels"]["sms"].sent == []


def test_a_service_notice_needs_no_consent(outreach):
    mid = queue(outreach, purpose="service", consent=None)
    assert dispatch.send_one(mid, NOW) == "sent"
