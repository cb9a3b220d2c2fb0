"""Care: greetings due from the snapshot, sent once per occasion (even when racing), holidays."""
import threading

from tests import support
from tests.integration.test_engagement_support import manager, snapshot, today_local


def test_birthday_due_today_sent_once_then_gone(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    today = today_local()
    born = today.replace(year=1985) if not (today.month == 2 and today.day == 29) else today.replace(year=1984)
    cid = snapshot(engagement_app, mid, birth_date=born.isoformat(), preferred_channels=["email"],
                   important_dates=[{"kind": "wedding", "date": today.replace(year=2010).isoformat() if not (
                       today.month == 2 and today.day == 29) else "2012-02-29"}])
    other = snapshot(engagement_app, mid,
                     birth_date="1970-01-01" if today.strftime("%m-%d") != "01-01" else "1970-06-01")
    due = client.get("/api/v1/engagement/greetings/due", headers=h).json["items"]
    mine = [d for d in due if d["customer_id"] == cid]
    kinds = {d["occasion"] for d in mine}
    assert {"birthday", "anniversary_0"} <= kinds
    assert next(d for d in mine if d["occasion"] == "anniversary_0")["label"] == "结婚纪念日 Wedding anniversary"
    assert not [d for d in due if d["customer_id"] == other and d["occasion"] == "birthday"]
    bday = next(d for d in mine if d["occasion"] == "birthday")
    assert bday["channel"] == "email" and bday["greeting_id"] == f"birthday:{today.year}:{cid}"

    tap = support.ExchangeTap("engagement.greeting.sent")
    try:
        # ten managers' phones pressing "sent" at once: exactly one greeting
        results, barrier = [], threading.Barrier(10)

        def send():
            c = engagement_app.test_client()
            barrier.wait()
            results.append(c.post("/api/v1/engagement/greetings", headers=h, json={
                "customer_id": cid, "occasion": "birthday", "year": today.year, "channel": "wechat"}).status_code)
        threads = [threading.Thread(target=send) for _ in range(10)]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        assert sorted(results) == [201] + [409] * 9, results
        with support.running_worker("engagement"):
            got = tap.wait(lambda e: e["data"]["customer_id"] == cid)
        assert got[0][2]["data"]["occasion"] == "birthday" and got[0][2]["data"]["channel"] == "wechat"
    finally:
        tap.close()
    due = client.get("/api/v1/engagement/greetings/due", headers=h).json["items"]
    assert not [d for d in due if d["customer_id"] == cid and d["occasion"] == "birthday"]
    greetings = client.get(f"/api/v1/engagement/customers/{cid}/greetings", headers=h).json
    assert [g["channel"] for g in greetings] == ["wechat"]


def test_greeting_bad_input(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)  # no birth date
    r = client.post("/api/v1/engagement/greetings", headers=h,
                    json={"customer_id": cid, "occasion": "birthday", "year": 2026, "channel": "sms"})
    assert r.status_code == 422 and "occasion" in r.json["errors"]
    r = client.post("/api/v1/engagement/greetings", headers=h,
                    json={"customer_id": cid, "occasion": "holiday_mid_autumn", "year": 2026, "channel": "fax"})
    assert r.status_code == 422 and "channel" in r.json["errors"]
    assert client.get(f"/api/v1/engagement/customers/{cid}/greetings", headers=h).json == []
    r = client.post("/api/v1/engagement/greetings", headers=h,
                    json={"customer_id": cid, "occasion": "holiday_mid_autumn", "year": 2026, "channel": "sms"})
    assert r.status_code == 201 and r.json["occasion_date"] == "2026-09-25"


def test_holiday_calendar_and_holiday_greetings_due(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    cid = snapshot(engagement_app, mid)
    cal = client.get("/api/v1/engagement/holidays?year=2026", headers=h).json
    assert {"key": "spring_festival", "name": "春节", "name_en": "Spring Festival", "date": "2026-02-17",
            "lunar": True} in cal["holidays"]
    assert client.get("/api/v1/engagement/holidays?year=3000", headers=h).status_code == 422
    due = client.get("/api/v1/engagement/greetings/due?date=2026-09-25", headers=h).json["items"]
    assert {"customer_id": cid, "occasion": "holiday_mid_autumn"}.items() <= next(
        d for d in due if d["customer_id"] == cid).items()
