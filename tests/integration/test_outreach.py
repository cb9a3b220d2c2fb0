"""Outreach against real servers: the channel adapters on a real SMTP server and the provider
sandbox (tests/outreach_servers.py), and the engagement service's consent, templates and
self-service links on the real database."""
from datetime import datetime, timedelta, timezone

import pytest

from chassis import identity as ident, links
from services.engagement.outreach.channels import (
    AliyunSms,
    InAppInbox,
    Outgoing,
    SmtpChannel,
    WeChatSubscribe,
    aliyun_sign,
)
from tests import support
from tests.integration.test_engagement_support import admin, manager, snapshot
from tests.outreach_servers import Sandbox, SmtpServer

E = "/api/v1/engagement"


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer(support.free_port(18125)) as s:
        yield s


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(support.free_port(18190)) as s:
        yield s


def out(**kw):
    return Outgoing(**{"message_id": "birthday:2026:c1:email", "channel": "email", "address": "a@example.cn",
                       "body": "张女士，生日快乐！", "subject": "生日快乐", **kw})


def test_smtp_sends_bounces_and_retries(smtp):
    ch = SmtpChannel("127.0.0.1", smtp.port, "care@bank.example")
    r = ch.send(out(unsubscribe_url="http://x/s/tok"))
    assert r.status == "sent" and r.provider_id
    got = smtp.mailbox.to("a@example.cn")
    assert got[0]["subject"] == "生日快乐" and "生日快乐" in got[0]["body"]
    assert got[0]["crm_message"] == "birthday:2026:c1:email" and got[0]["unsubscribe"] == "<http://x/s/tok>"
    smtp.mailbox.refuse.add("gone@example.cn")
    assert ch.send(out(address="gone@example.cn")).status == "bounced"
    down = SmtpChannel("127.0.0.1", support.free_port(18126), "care@bank.example").send(out())
    assert down.status == "failed" and down.retry


def test_alibaba_sms_request_shape_refusal_and_lookup(sandbox):
    ch = AliyunSms(sandbox.url)
    o = out(channel="sms", address="13900001111", message_id="holiday_mid_autumn:2026:c1:sms",
            provider_template="SMS_CRM_HOLIDAY", variables={"honorific": "张先生", "occasion": "中秋节"})
    r = ch.send(o)
    assert r.status == "sent" and r.provider_id
    req = sandbox.sent_to("13900001111")[0]
    assert (req["Action"], req["TemplateCode"], req["OutId"], req["Version"]) == (
        "SendSms", "SMS_CRM_HOLIDAY", o.message_id, "2017-05-25")
    assert req["params"] == {"honorific": "张先生", "occasion": "中秋节"}
    unsigned = {k: v for k, v in req.items() if k not in ("Signature", "BizId", "params")}
    assert req["Signature"] == aliyun_sign(unsigned, "")      # signed as Alibaba Cloud's RPC signature v1
    found = ch.lookup(o, datetime.now(timezone.utc))
    assert found is not None and found.provider_id == r.provider_id
    assert ch.lookup(out(channel="sms", address="13900001111", message_id="other"), datetime.now(timezone.utc)) is None
    sandbox.refuse.add("13900002222")
    bad = ch.send(out(channel="sms", address="13900002222"))
    assert bad.status == "failed" and not bad.retry and "MOBILE_NUMBER_ILLEGAL" in bad.reason
    assert AliyunSms(f"http://127.0.0.1:{support.free_port(18191)}/").send(o).retry


def test_wechat_subscribe_message_shape(sandbox):
    r = WeChatSubscribe(sandbox.url).send(out(channel="wechat", address="openid-1", provider_template="WX_T",
                                              fields={"thing1": "中秋节", "name2": "张先生"}))
    assert r.status == "sent"
    sent = sandbox.wechat[-1]
    assert sent["touser"] == "openid-1" and sent["template_id"] == "WX_T"
    assert sent["data"] == {"thing1": {"value": "中秋节"}, "name2": {"value": "张先生"}}


def test_inapp_inbox_delivers_once(engagement_app):
    with engagement_app.app_context():
        o = out(channel="inapp", address="c-inapp", message_id=f"x:{support.RUN_ID}:inapp")
        assert InAppInbox().send(o).status == "delivered"
        assert InAppInbox().send(o).status == "delivered"       # a retry after a crash: still one
        assert InAppInbox().lookup(o, datetime.now(timezone.utc)).status == "delivered"
        from services.engagement.outreach.models import InboxMessage
        assert InboxMessage.objects(customer_id="c-inapp").count() == 1


def test_consent_is_recorded_with_wording_and_audited(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    url = f"{E}/customers/{cid}/consents"
    assert client.post(url, headers=h, json={"channel": "sms", "purpose": "care", "granted": True}).status_code == 422
    r = client.post(url, headers=h, json={"channel": "sms", "purpose": "care", "granted": True, "wording": "同意"})
    assert r.status_code == 200 and r.json["status"] == "granted" and r.json["wording"] == "同意"
    same = client.post(url, headers=h, json={"channel": "sms", "purpose": "care", "granted": True, "wording": "同意"})
    assert same.json["version"] == 1                                 # the same state changes nothing
    r = client.post(url, headers=h, json={"channel": "sms", "purpose": "care", "granted": False})
    assert r.json["status"] == "withdrawn" and r.json["version"] == 2
    other_mid, other = manager()
    assert client.get(url, headers=other).status_code == 404
    assert client.post(url, headers=other, json={"channel": "sms", "purpose": "care", "granted": False}
                       ).status_code == 404
    audit = client.get(f"/api/v1/audit?customer_id={cid}",
                       headers=support.as_user("aud", ident.AUDITOR, branch="sh")).json
    assert [a["action"] for a in audit if a["resource"] == "consent"] == ["update", "create"]


def test_templates_versioned_admin_only_and_channel_rules(engagement_app):
    client = engagement_app.test_client()
    _, h = manager()
    url = f"{E}/outreach/templates/holiday/sms"
    t = client.get(url, headers=h).json
    assert t["version"] == 0 and t["preview"]["encoding"] == "UCS-2" and t["preview"]["problems"] == []
    assert client.put(url, headers=h, json={"body": "{honorific}，节日快乐"}).status_code == 403
    a = admin()
    assert client.put(url, headers=a, json={"body": "生" * 501}).status_code == 422
    assert "nickname" in str(client.put(url, headers=a, json={"body": "{nickname}好"}).json["errors"])
    r = client.put(url, headers=a, json={"body": "{honorific}，{branch}祝您{occasion}快乐！"})
    assert r.status_code == 200 and r.json["version"] == 1 and r.json["preview"]["segments"] == 1
    r = client.put(url, headers=a, json={"body": "{honorific}，祝您{occasion}快乐！", "version": 1})
    assert r.json["version"] == 2
    assert client.put(url, headers=a, json={"body": "{honorific}好", "version": 1}).status_code == 412
    assert client.put(f"{E}/outreach/templates/holiday/wechat", headers=a,
                      json={"body": "x", "fields": {"thing1": "一" * 21}}).status_code == 422
    assert client.get(f"{E}/outreach/templates/nope/sms", headers=h).status_code == 404


def test_unsubscribe_link_once_and_refusals(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    client.post(f"{E}/customers/{cid}/consents", headers=h,
                json={"channel": "email", "purpose": "marketing", "granted": True, "wording": "同意"})
    now = datetime.now(timezone.utc)

    def token(**kw):
        return links.issue(support.SECRET, **{"kind": "unsubscribe", "svc": "engagement", "subject": "email",
                                              "customer": cid, "expires_at": now + timedelta(days=1), **kw})
    tok = token()
    view = client.get(f"{E}/links/{tok}")                      # no login: the link is the credential
    assert view.status_code == 200 and view.json["kind"] == "unsubscribe" and cid not in str(view.json)
    done = client.post(f"{E}/links/{tok}", json={"answer": "confirm"})
    assert done.status_code == 200 and done.json["status"] == "withdrawn"
    consents = {(c["channel"], c["purpose"]): c for c in client.get(f"{E}/customers/{cid}/consents", headers=h).json}
    assert consents[("email", "marketing")]["status"] == "withdrawn"
    assert consents[("email", "marketing")]["source"] == "link"
    again = client.post(f"{E}/links/{tok}", json={"answer": "confirm"})
    assert again.status_code == 410 and again.json["type"].endswith("link-used")
    expired = token(expires_at=now - timedelta(seconds=1))
    assert client.get(f"{E}/links/{expired}").status_code == 410
    forged = links.issue("x" * 40, kind="unsubscribe", svc="engagement", subject="email", customer=cid,
                         expires_at=now + timedelta(days=1))
    assert client.post(f"{E}/links/{forged}", json={"answer": "confirm"}).status_code == 404
    assert client.get(f"{E}/links/not-a-token").status_code == 404


def test_rsvp_link_answers_the_invitation_once(engagement_app):
    from tests.integration.test_engagement_activities import _activity
    from tests.integration.test_engagement_support import new_id, supervisor
    client = engagement_app.test_client()
    mid, h = manager()
    tag = new_id("t")
    cid = snapshot(engagement_app, mid, tags=[tag])
    sup = supervisor([mid])
    aid = _activity(client, sup, capacity=5, segment={"tags": [tag]})
    assert client.post(f"{E}/activities/{aid}/invitations", headers=h).json["invited"] == 1
    now = datetime.now(timezone.utc)
    tok = links.issue(support.SECRET, kind="rsvp", svc="engagement", subject=f"{aid}:{cid}", customer=cid,
                      expires_at=now + timedelta(days=1))
    view = client.get(f"{E}/links/{tok}").json
    assert view["kind"] == "rsvp" and view["title"] == "理财沙龙" and view["location"] == "总行三楼"
    assert client.post(f"{E}/links/{tok}", json={"answer": "maybe"}).status_code == 422
    done = client.post(f"{E}/links/{tok}", json={"answer": "accept"})
    assert done.status_code == 200 and done.json["status"] == "accepted"
    inv = [i for i in client.get(f"{E}/activities/{aid}/invitations", headers=sup).json
           if i["customer_id"] == cid][0]
    assert inv["status"] == "accepted"
    assert client.post(f"{E}/links/{tok}", json={"answer": "decline"}).status_code == 410   # once
    # a link for someone else's invitation is forged, whatever its signature
    other = links.issue(support.SECRET, kind="rsvp", svc="engagement", subject=f"{aid}:{cid}", customer="c-x",
                        expires_at=now + timedelta(days=1))
    assert client.post(f"{E}/links/{other}", json={"answer": "accept"}).status_code == 404


def test_campaigns_are_their_creators_and_reach_only_visible_customers(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    m2, h2 = manager()
    snapshot(engagement_app, m1)
    r = client.post(f"{E}/outreach/campaigns", headers=h1, json={"kind": "holiday", "params": {
        "holiday": "mid_autumn", "segment": {"manager_ids": [m1]}}})
    assert r.status_code == 202 and r.json["targets"] == 1
    url = f"{E}/outreach/campaigns/{r.json['campaign_id']}"
    assert client.get(url, headers=h1).status_code == 200
    assert client.get(url, headers=h2).status_code == 404           # another manager's campaign
    # another manager's book is not a target, and naming it is 404
    assert client.post(f"{E}/outreach/campaigns", headers=h2, json={"kind": "birthday", "dry_run": True,
                                                                    "params": {"manager_id": m1}}).status_code == 404
    dry = client.post(f"{E}/outreach/campaigns", headers=h2, json={"kind": "holiday", "dry_run": True, "params": {
        "holiday": "mid_autumn", "segment": {"manager_ids": [m1]}}})
    assert dry.status_code == 200 and dry.json["targets"] == 0
    for bad in ({"holiday": "nope"}, {"holiday": "mid_autumn", "year": "2026"}, {"segment": {"tiers": "gold"}},
                {"holiday": 5}):
        assert client.post(f"{E}/outreach/campaigns", headers=h1, json={"kind": "holiday", "params": bad}
                           ).status_code == 422, bad
