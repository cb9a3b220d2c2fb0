"""Outreach's pure rules: consent, quiet hours, caps, channel choice, SMS/WeChat text rules, links."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chassis import links
from services.engagement.outreach import rules

BANK = ZoneInfo("Asia/Shanghai")


def at(h, m=0, day=10):
    return datetime(2026, 3, day, h, m, tzinfo=BANK)


@pytest.mark.parametrize("purpose,status,ok,reason", [
    ("care", None, False, "no_consent"), ("marketing", None, False, "no_consent"),
    ("care", "granted", True, None), ("marketing", "withdrawn", False, "opted_out"),
    ("service", None, True, None), ("service", "withdrawn", False, "opted_out")])
def test_consent_rule(purpose, status, ok, reason):
    assert rules.consent_allows(purpose, status) == (ok, reason)


def test_quiet_hours_move_to_eight_in_the_morning_unless_urgent():
    assert rules.next_send_time(at(22)) == at(8, day=11).astimezone(timezone.utc)
    assert rules.next_send_time(at(3)) == at(8).astimezone(timezone.utc)
    assert rules.next_send_time(at(20, 59)) == at(20, 59).astimezone(timezone.utc)
    assert rules.next_send_time(at(8)) == at(8).astimezone(timezone.utc)
    assert rules.next_send_time(at(22), urgent=True) == at(22).astimezone(timezone.utc)


def test_preferred_contact_time_within_allowed_hours():
    assert rules.next_send_time(at(8), contact_times=["afternoon"]) == at(14).astimezone(timezone.utc)
    assert rules.next_send_time(at(19), contact_times=["morning"]) == at(9, day=11).astimezone(timezone.utc)
    # a window reaching into quiet hours is cut at 21:00 / 08:00
    assert rules.next_send_time(at(6), contact_times=["06:00-22:00"]) == at(8).astimezone(timezone.utc)
    assert rules.next_send_time(at(15), contact_times=["morning", "noon"]) == at(9, day=11).astimezone(timezone.utc)
    # 2026-03-10 is a Tuesday: a weekend customer hears from us on Saturday at 08:00
    assert rules.next_send_time(at(10), contact_times=["weekend"]) == at(8, day=14).astimezone(timezone.utc)
    assert rules.next_send_time(at(22, day=13), contact_times=["workday"]) == at(8, day=16).astimezone(timezone.utc)


def test_decide_gives_the_reason_in_a_fixed_order():
    assert rules.decide(purpose="care", consent="granted", address=None, at=at(10)).reason == "no_address"
    assert rules.decide(purpose="care", consent=None, address="x", at=at(10)).reason == "no_consent"
    assert rules.decide(purpose="care", consent="granted", address="x", at=at(10), cap_left=0).reason == "capped"
    assert rules.decide(purpose="service", consent=None, address="x", at=at(10), cap_left=0).send
    d = rules.decide(purpose="care", consent="granted", address="x", at=at(23), cap_left=1)
    assert d.send and d.reason == "quiet_hours" and d.not_before == at(8, day=11).astimezone(timezone.utc)


def test_cap_slots_are_per_window_and_customer():
    a = rules.cap_slot_ids("c1", at(10), 3, 7)
    assert len(a) == 3 and len(set(a)) == 3
    assert rules.cap_slot_ids("c1", at(10) + timedelta(days=7), 3, 7)[0] != a[0]
    assert rules.cap_slot_ids("c2", at(10), 3, 7)[0] != a[0]


def test_channel_choice_follows_preference_consent_and_addresses():
    assert rules.channel_order(["email", "wechat"]) == ["email", "wechat", "sms", "inapp"]
    assert rules.channel_order(["wechat"], asked="sms") == ["sms"]
    consents = {"email": "withdrawn", "wechat": "granted", "sms": "granted"}
    usable, why = rules.usable_channels("care", ["email", "wechat", "sms", "inapp"], consents.get)
    assert usable == ["wechat", "sms"] and why is None
    assert rules.usable_channels("care", ["email", "inapp"], consents.get) == ([], "opted_out")
    assert rules.usable_channels("care", ["inapp"], consents.get) == ([], "no_consent")
    assert rules.usable_channels("service", ["email", "inapp"], consents.get) == (["inapp"], None)
    addrs = {"sms": "139", "email": None, "wechat": None, "inapp": "c1"}
    assert rules.pick_channel(["wechat", "sms"], addrs) == "sms"
    assert rules.pick_channel(["wechat"], addrs) is None


def test_sms_segments_ucs2_and_gsm7():
    assert rules.sms_segments("生" * 70) == ("UCS-2", 1)
    assert rules.sms_segments("生" * 71) == ("UCS-2", 2)
    assert rules.sms_segments("生" * 134) == ("UCS-2", 2)
    assert rules.sms_segments("生" * 135) == ("UCS-2", 3)
    assert rules.sms_segments("a" * 160) == ("GSM-7", 1)
    assert rules.sms_segments("a" * 161) == ("GSM-7", 2)
    assert rules.check_text("sms", "生" * 501)
    assert not rules.check_text("sms", "生" * 200)


def test_wechat_field_limits():
    assert rules.wechat_problems({"thing1": "一" * 20, "name2": "张三"}) == []
    assert rules.wechat_problems({"thing1": "一" * 21})
    assert rules.wechat_problems({"phrase3": "一二三四五六"})
    assert rules.wechat_problems({"bogus1": "x"})


def test_render_opt_out_and_honorific():
    assert rules.render("{honorific}，{occasion}快乐 {x}", {"honorific": "张先生", "occasion": "中秋节"}) == \
        "张先生，中秋节快乐 {x}"
    assert rules.unknown_variables("{name}{nope}", ("name",)) == ["nope"]
    assert all(rules.is_opt_out(t) for t in ("TD", "td", " 退订 ", "退订。"))
    assert not rules.is_opt_out("谢谢")
    assert rules.honorific("female", "李四") == "李女士" and rules.honorific(None, "李四") == "李四"


def test_address_hash_normalises_and_hides_the_number():
    h = rules.address_hash("k", "sms", "+86 139-1234-5678")
    assert h == rules.address_hash("k", "sms", "13912345678") and "139" not in h
    assert h != rules.address_hash("other", "sms", "13912345678")


def test_backoff_grows_and_is_capped():
    assert rules.backoff(1) < rules.backoff(2) < rules.backoff(3)
    assert rules.backoff(20) == timedelta(hours=1)


def test_links_are_signed_expiring_and_name_their_service():
    now = datetime(2026, 3, 10, tzinfo=timezone.utc)
    tok = links.issue("s" * 40, kind="survey", svc="feedback", subject="inv1", customer="c1",
                      expires_at=now + timedelta(days=1))
    link = links.verify("s" * 40, tok, now)
    assert (link.kind, link.subject, link.customer) == ("survey", "inv1", "c1")
    assert links.peek_service(tok) == "feedback"
    with pytest.raises(links.LinkRefused, match="expired"):
        links.verify("s" * 40, tok, now + timedelta(days=2))
    with pytest.raises(links.LinkRefused, match="forged"):
        links.verify("t" * 40, tok, now)
    payload, sig = tok.split(".")
    with pytest.raises(links.LinkRefused, match="forged"):
        links.verify("s" * 40, payload[:-2] + "AA." + sig, now)
    with pytest.raises(links.LinkRefused, match="forged"):
        links.verify("s" * 40, "garbage", now)
