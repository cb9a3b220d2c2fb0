"""Outreach end to end, through the gateway: a real SMTP server and the SMS provider sandbox
(tests/outreach_servers.py); time is injected (``send_at``, the dispatcher's ``now``), never slept."""
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from tests import support

E = "/api/v1/engagement"
F = "/api/v1/feedback"
BANK = ZoneInfo("Asia/Shanghai")
WORDING = "本人同意贵行通过该渠道向本人发送生日、节日关怀信息。"


def mobile():
    return "139" + "".join(random.choices("0123456789", k=8))


def daytime_yesterday():
    """A send time in the past at 10:00 bank time: due at once, whatever the real clock says."""
    d = datetime.now(BANK).date() - timedelta(days=1)
    return datetime(d.year, d.month, d.day, 10, tzinfo=BANK).isoformat()


def customer(client, **extra):
    cid = support.register_customer(client, wait_for_copy=E + "/customers/{id}/interactions", mobile=mobile(),
                                    email=f"c{uuid.uuid4().hex[:8]}@example.cn", **extra)
    return cid, client.get(f"/api/v1/customers/{cid}").json()


def consent(client, cid, channel, purpose="care", granted=True):
    r = client.post(f"{E}/customers/{cid}/consents", json={"channel": channel, "purpose": purpose, "granted": granted,
                                                           "wording": WORDING})
    assert r.status_code == 200, r.text
    return r.json()


def campaign(client, body):
    """Send a campaign and wait for the worker to plan it: per-customer outcomes by id."""
    r = client.post(f"{E}/outreach/campaigns", json=body)
    assert r.status_code == 202, r.text
    cid = r.json()["campaign_id"]
    done = support.wait_for(lambda: (lambda j: j if j["status"] == "planned" else None)(
        client.get(f"{E}/outreach/campaigns/{cid}").json()), timeout=30, what="the campaign planned")
    return {c["customer_id"]: c for c in done["customers"]}


@pytest.fixture
def servers_(outreach_servers, suite):
    return outreach_servers


def test_birthday_greeting_by_real_smtp_is_recorded_as_sent(manager, admin, servers_):
    smtp, _ = servers_
    today = datetime.now(BANK).date()
    email = f"b{uuid.uuid4().hex[:8]}@example.cn"
    cid = support.register_customer(manager, wait_for_copy=E + "/customers/{id}/interactions", mobile=mobile(),
                                    email=email, gender="female", birth_date=today.replace(year=1980).isoformat())
    # without consent: refused, and the dry run says why
    dry = manager.post(f"{E}/outreach/campaigns", json={"kind": "birthday", "channel": "email", "dry_run": True,
                                                        "params": {"date": today.isoformat()}})
    assert dry.status_code == 200, dry.text
    mine = [c for c in dry.json()["customers"] if c["customer_id"] == cid]
    assert mine and mine[0]["reason"] == "no_consent" and not mine[0]["send"]
    consent(manager, cid, "email")
    plans = campaign(manager, {"kind": "birthday", "channel": "email", "send_at": daytime_yesterday(),
                               "params": {"date": today.isoformat()}})
    assert plans[cid]["send"] is True
    mail = support.wait_for(lambda: smtp.mailbox.to(email), timeout=30, what="the birthday mail")
    assert len(mail) == 1 and "生日快乐" in mail[0]["body"] and "/s/" in mail[0]["unsubscribe"]
    greetings = support.wait_for(lambda: manager.get(f"{E}/customers/{cid}/greetings").json(), timeout=20,
                                 what="the greeting recorded")
    assert greetings[0]["occasion"] == "birthday" and greetings[0]["channel"] == "email"
    msgs = manager.get(f"{E}/customers/{cid}/messages").json()
    assert msgs[0]["status"] == "sent" and msgs[0]["kind"] == "birthday"
    # someone else's manager sees neither the messages nor the consents
    other = support.new_user(admin, "manager")
    assert other.get(f"{E}/customers/{cid}/messages").status_code == 404
    assert other.get(f"{E}/customers/{cid}/consents").status_code == 404
    assert other.post(f"{E}/customers/{cid}/consents", json={"channel": "sms", "purpose": "care", "granted": False}
                      ).status_code == 404
    # the same campaign again sends nothing twice (greeted: not due any more)
    again = campaign(manager, {"kind": "birthday", "channel": "email", "send_at": daytime_yesterday(),
                               "params": {"date": today.isoformat()}})
    assert cid not in again
    assert len(smtp.mailbox.to(email)) == 1


def test_sms_consent_opt_out_by_reply_and_quiet_hours(manager, servers_, suite):
    _, sandbox = servers_
    no_consent, _ = customer(manager)
    cid, profile = customer(manager)
    phone = profile["mobile"] if "*" not in (profile["mobile"] or "") else None
    consent(manager, cid, "sms")
    year = datetime.now(BANK).year
    body = {"kind": "holiday", "channel": "sms", "send_at": daytime_yesterday(),
            "params": {"holiday": "mid_autumn", "year": year, "segment": {"manager_ids": [manager.id]}}}
    plans = campaign(manager, body)
    assert plans[no_consent]["send"] is False and plans[no_consent]["reason"] == "no_consent"
    assert plans[cid]["send"] is True
    sms = support.wait_for(lambda: [s for s in sandbox.sms if s["OutId"] == plans[cid]["message_id"]], timeout=30,
                           what="the SMS at the provider")
    phone = sms[0]["PhoneNumbers"]
    assert sms[0]["TemplateCode"] == "SMS_CRM_HOLIDAY" and sms[0]["Signature"]
    assert sandbox.report(plans[cid]["message_id"]).json()["code"] == 0
    support.wait_for(lambda: manager.get(f"{E}/customers/{cid}/messages").json()[0]["status"] == "delivered",
                     timeout=20, what="the delivery report")
    # a greeting delivered is the greeting sent
    greeted = support.wait_for(lambda: manager.get(f"{E}/customers/{cid}/greetings").json(), timeout=20,
                               what="the greeting recorded")
    assert greeted[0]["occasion"] == "holiday_mid_autumn" and greeted[0]["channel"] == "sms"
    # a forged callback changes nothing
    assert requests.post(sandbox.callback[0] + "/sms/inbound", params={"token": "wrong"},
                         json=[{"phone_number": phone, "content": "TD"}], timeout=10).status_code == 401
    # the customer replies TD: the next campaign does not reach them
    assert sandbox.reply(phone, "TD").json()["code"] == 0
    consents = manager.get(f"{E}/customers/{cid}/consents").json()
    assert {(c["purpose"], c["status"], c["source"]) for c in consents if c["channel"] == "sms"} >= {
        ("care", "withdrawn", "sms_reply")}
    nxt = campaign(manager, {**body, "params": {**body["params"], "holiday": "national_day"}})
    assert nxt[cid]["reason"] == "opted_out" and nxt[cid]["send"] is False

    # quiet hours: asked at 22:00 bank time, the message waits until 08:00
    late, _ = customer(manager)
    consent(manager, late, "sms")
    ask = datetime(year + 1, 3, 10, 22, 0, tzinfo=BANK)
    plan = campaign(manager, {
        "kind": "holiday", "channel": "sms", "send_at": ask.isoformat(),
        "params": {"holiday": "new_year", "year": year + 1, "segment": {"manager_ids": [manager.id]}}})[late]
    morning = datetime(year + 1, 3, 11, 8, 0, tzinfo=BANK)
    assert plan["send"] is True and plan["reason"] == "quiet_hours"
    assert datetime.fromisoformat(plan["not_before"]) == morning
    dispatch = _dispatcher(suite, sandbox)
    dispatch(morning - timedelta(minutes=1))
    assert not [s for s in sandbox.sms if s["OutId"] == plan["message_id"]]
    dispatch(morning)
    assert len([s for s in sandbox.sms if s["OutId"] == plan["message_id"]]) == 1


def _dispatcher(suite, sandbox):
    """The dispatcher in this process on the suite's database, with the clock injected."""
    from chassis import db as dbmod
    from chassis.config import load_settings
    from services.engagement.bootstrap import ports
    from services.engagement.outreach import channels, contacts, dispatch, keys

    settings = load_settings("engagement", **support.overrides())
    database = dbmod.connect(settings)
    keys.configure(support.SECRET)
    ports.bootstrap(contacts=contacts.CustomerContacts(suite.url("customer"), support.SECRET),
                    channels={"sms": channels.AliyunSms(sandbox.url)})

    def run(now):
        with dbmod.using(database):
            return dispatch.run(now.astimezone(timezone.utc))
    return run


def test_survey_answered_through_the_self_service_link(admin, manager, servers_, gateway_url):
    smtp, _ = servers_
    supervisor = support.new_user(admin, "supervisor", team=[manager.id])
    cid, profile = customer(manager)
    consent(manager, cid, "email")
    email = supervisor.get(f"/api/v1/customers/{cid}").json().get("email")
    r = supervisor.post(f"{F}/surveys", json={"name": "服务满意度", "questions": [
        {"key": "sat", "type": "rating", "text": "您对我们的服务满意吗？"},
        {"key": "rec", "type": "nps", "text": "推荐意愿"}]})
    sid = r.json()["id"]
    did = "d" + uuid.uuid4().hex[:20]        # a distribution id starts with a letter
    # 422 while feedback's copy of the new customer is still on its way (the segment is empty)
    support.wait_for(lambda: supervisor.post(f"{F}/surveys/{sid}/distributions", json={
        "distribution_id": did, "segment": {"manager_ids": [manager.id]}}).status_code == 201, timeout=30,
        interval=0.5, what="the distribution")

    def planned():
        return campaign(manager, {"kind": "survey", "channel": "email", "send_at": daytime_yesterday(),
                                  "params": {"distribution_id": did}}).get(cid, {}).get("send")
    support.wait_for(planned, timeout=30, what="the survey invitation to reach engagement and be sent")
    mail = support.wait_for(lambda: [m for m in smtp.mailbox.messages if "survey:" in m["crm_message"]
                                     and cid in m["crm_message"]], timeout=30, what="the survey mail")
    link = re.search(r"https?://\S+/s/[\w.\-]+", mail[0]["body"]).group(0)
    path = link[link.index("/s/"):]
    page = requests.get(gateway_url + path, timeout=10)
    assert page.status_code == 200 and "服务满意度" in page.text and 'name="q_sat"' in page.text
    assert profile["name"] not in page.text and (email or "@") not in page.text
    incomplete = requests.post(gateway_url + path, data={"q_sat": "5"}, timeout=10)
    assert incomplete.status_code == 422           # a wrong form changes nothing, the link still works
    done = requests.post(gateway_url + path, data={"q_sat": "5", "q_rec": "9"}, timeout=10)
    assert done.status_code == 200 and "感谢" in done.text, done.text
    sat = support.wait_for(lambda: supervisor.get(f"{F}/stats?manager_ids={manager.id}").json()
                           ["per_manager"].get(manager.id, {}).get("responses"), timeout=20, what="the figures")
    assert sat >= 1
    reused = requests.post(gateway_url + path, data={"q_sat": "1", "q_rec": "0"}, timeout=10)
    assert reused.status_code == 410 and "已经使用" in reused.text
    forged = requests.get(gateway_url + path[:-3] + "abc", timeout=10)
    assert forged.status_code == 404 and "无效" in forged.text


def test_killing_the_worker_mid_batch_sends_no_one_twice(manager, servers_, suite):
    _, sandbox = servers_
    cids = []
    for _ in range(6):
        cid, _ = customer(manager)
        consent(manager, cid, "sms")
        cids.append(cid)
    sandbox.delay = 0.4
    try:
        plans = campaign(manager, {
            "kind": "holiday", "channel": "sms", "send_at": daytime_yesterday(),
            "params": {"holiday": "spring_festival", "year": datetime.now(BANK).year + 2,
                       "segment": {"manager_ids": [manager.id]}}})
        ids = {c["message_id"] for c in plans.values() if c["customer_id"] in cids and c["send"]}
        assert len(ids) == 6
        support.wait_for(lambda: [s for s in sandbox.sms if s["OutId"] in ids], timeout=30, what="the first SMS")
        suite.procs["engagement-worker"].kill()        # SIGKILL mid-batch
        suite.procs["engagement-worker"].wait(10)
        sandbox.delay = 0
        suite.start("engagement-worker")
        support.wait_for(lambda: {s["OutId"] for s in sandbox.sms} >= ids, timeout=60,
                         what="every message sent after the restart")
        sent = [s["OutId"] for s in sandbox.sms if s["OutId"] in ids]
        assert sorted(sent) == sorted(ids)            # everyone once: none lost, none twice
    finally:
        sandbox.delay = 0


def test_activity_invitation_by_sms_answered_through_the_link(admin, manager, servers_, gateway_url):
    _, sandbox = servers_
    supervisor = support.new_user(admin, "supervisor", team=[manager.id])
    tag = uuid.uuid4().hex[:8]
    cid, _ = customer(manager, tags=[tag])
    consent(manager, cid, "sms", purpose="marketing")
    r = supervisor.post(f"{E}/activities", json={
        "name": "理财沙龙", "type": "wealth_salon", "capacity": 5, "budget_cents": 50000, "location": "总行三楼",
        "starts_at": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat(), "segment": {"tags": [tag]}})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert manager.post(f"{E}/activities/{aid}/invitations").json()["invited"] == 1
    plans = campaign(manager, {"kind": "activity", "channel": "sms", "send_at": daytime_yesterday(),
                               "params": {"activity_id": aid}})
    assert plans[cid]["send"] is True
    sms = support.wait_for(lambda: [s for s in sandbox.sms if s["OutId"] == plans[cid]["message_id"]], timeout=30,
                           what="the invitation SMS")
    link = sms[0]["params"]["link"]
    path = link[link.index("/s/"):]
    page = requests.get(gateway_url + path, timeout=10)
    assert page.status_code == 200 and "理财沙龙" in page.text and "总行三楼" in page.text
    done = requests.post(gateway_url + path, data={"answer": "accept"}, timeout=10)
    assert done.status_code == 200 and "已为您登记参加" in done.text, done.text
    invs = supervisor.get(f"{E}/activities/{aid}/invitations").json()
    assert [i["status"] for i in invs if i["customer_id"] == cid] == ["accepted"]
    assert requests.post(gateway_url + path, data={"answer": "decline"}, timeout=10).status_code == 410
