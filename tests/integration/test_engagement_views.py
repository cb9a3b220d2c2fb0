"""What the gateway composes: customer summary, worklist and team stats."""
from datetime import datetime, timedelta, timezone

from tests.integration.test_engagement_support import manager, snapshot, supervisor, today_local


def _log(client, h, cid, days_ago=0, purpose="回访"):
    r = client.post("/api/v1/engagement/interactions", headers=h, json={
        "customer_id": cid, "channel": "phone", "purpose": purpose,
        "occurred_at": (datetime.now(timezone.utc) - timedelta(days=days_ago, minutes=1)).isoformat()})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_customer_summary(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    soon = today_local() + timedelta(days=3)
    cid = snapshot(engagement_app, mid, birth_date=soon.replace(year=1990).isoformat()
                   if soon.strftime("%m-%d") != "02-29" else "1992-02-29")
    ids = [_log(client, h, cid, days_ago=10 - i, purpose=f"p{i}") for i in range(7)]
    r = client.post("/api/v1/engagement/visits", headers=h, json={
        "customer_id": cid, "scheduled_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(),
        "objective": "拜访"})
    body = client.get(f"/api/v1/engagement/customers/{cid}/summary", headers=h).json
    assert [i["id"] for i in body["recent_interactions"]] == ids[::-1][:5]
    assert [v["id"] for v in body["recent_visits"]] == [r.json["id"]]
    assert any(c["occasion"] == "birthday" and c["date"] == soon.isoformat() for c in body["upcoming_care"])
    _, other = manager()
    assert client.get(f"/api/v1/engagement/customers/{cid}/summary", headers=other).status_code == 404


def test_worklist_for_a_manager_and_date(engagement_app):
    client = engagement_app.test_client()
    mid, h = manager()
    today = today_local()
    bday = snapshot(engagement_app, mid, tier="gold", birth_date=today.replace(year=1980).isoformat()
                    if today.strftime("%m-%d") != "02-29" else "1980-02-29")
    late = snapshot(engagement_app, mid, tier="diamond")
    _log(client, h, late, days_ago=40)
    _log(client, h, bday, days_ago=1)
    noon = datetime(today.year, today.month, today.day, 4, 0, tzinfo=timezone.utc)  # 12:00 Beijing
    v = client.post("/api/v1/engagement/visits", headers=h, json={
        "customer_id": late, "scheduled_at": noon.isoformat(), "objective": "重新建立联系"}).json
    w = client.get(f"/api/v1/engagement/worklist?manager_id={mid}&date={today.isoformat()}", headers=h).json
    assert set(w) >= {"greetings_due", "contacts_due", "contacts_overdue", "visits_planned", "account_reminders"}
    assert [g["customer_id"] for g in w["greetings_due"] if g["occasion"] == "birthday"] == [bday]
    assert [c["customer_id"] for c in w["contacts_overdue"]] == [late]
    assert bday not in {c["customer_id"] for c in w["contacts_due"]}
    assert [x["id"] for x in w["visits_planned"]] == [v["id"]]
    other_day = (today + timedelta(days=2)).isoformat()
    r = client.get(f"/api/v1/engagement/worklist?manager_id={mid}&date={other_day}", headers=h)
    assert r.json["visits_planned"] == []
    r = client.get(f"/api/v1/engagement/worklist?manager_id={mid}&date=2026-13-01", headers=h)
    assert r.status_code == 422 and "date" in r.json["errors"]


def test_team_stats(engagement_app):
    client = engagement_app.test_client()
    m1, h1 = manager()
    m2, h2 = manager()
    sup = supervisor([m1, m2])
    a = [snapshot(engagement_app, m1) for _ in range(4)]
    b = [snapshot(engagement_app, m2) for _ in range(2)]
    _log(client, h1, a[0])
    _log(client, h1, a[0])
    _log(client, h1, a[1])
    _log(client, h1, a[2], days_ago=60)  # before the range
    today = today_local()
    frm, to = (today - timedelta(days=7)).isoformat(), today.isoformat()
    s = client.get(f"/api/v1/engagement/stats?manager_ids={m1},{m2}&from={frm}&to={to}", headers=sup).json
    assert s["contact_coverage"]["per_manager"] == {m1: 0.5, m2: 0.0}
    assert s["contact_coverage"]["overall"] == round(2 / 6, 4)
    assert s["per_manager"][m1]["interactions"] == 3 and s["per_manager"][m1]["customers"] == 4
    assert s["per_manager"][m2]["customers"] == 2 and isinstance(s["activities"], list)
    r = client.get(f"/api/v1/engagement/stats?manager_ids={m1},{m2}&from={frm}&to={to}", headers=h1)
    assert r.status_code == 404
    r = client.get(f"/api/v1/engagement/stats?manager_ids={m1}&from={to}&to={frm}", headers=sup)
    assert r.status_code == 422 and "to" in r.json["errors"]
    assert b
