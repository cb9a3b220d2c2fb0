"""The feedback service end to end: the whole suite as processes, driven through the gateway.

Customers are created in the customer service; feedback learns them from their
events, so each test first waits until feedback knows the customer.
"""
from datetime import date, datetime, timedelta, timezone

from tests import support

F = "/api/v1/feedback"
E = "/api/v1/engagement"


def register(client, **extra) -> str:
    return support.register_customer(client, f"{F}/customers/{{id}}/summary", **extra)


def test_visit_completed_in_engagement_sends_a_follow_up_survey(manager):
    """engagement.visit.completed crosses the real RabbitMQ to feedback: one invitation (回访),
    answered through the gateway, then the customer's latest satisfaction shows it."""
    cid = register(manager)
    support.wait_for(lambda: manager.get(f"{E}/customers/{cid}/snapshot").status_code == 200, timeout=20,
                     what="engagement snapshot")
    r = manager.post(f"{E}/visits", json={"customer_id": cid, "objective": "理财回访",
                                          "scheduled_at": (datetime.now(timezone.utc)
                                                           + timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    r = manager.post(f"{E}/visits/{vid}/record", headers={"If-Match": r.headers["ETag"]},
                     json={"notes": "客户满意", "commitments": ["下月再约"]})
    assert r.status_code == 200, r.text
    r = manager.post(f"{E}/visits/{vid}/evaluate", headers={"If-Match": r.headers["ETag"]},
                     json={"outcome": "达成", "objective_met": True, "rating": 5})
    assert r.status_code == 200, r.text

    def invitation():
        items = manager.get(f"{F}/invitations?customer_id={cid}").json()["items"]
        return items[0] if items else None
    inv = support.wait_for(invitation, timeout=30, what="follow-up invitation in feedback")
    assert inv["context"] == {"type": "visit", "id": vid} and inv["kind"] == "follow_up"
    assert len(manager.get(f"{F}/invitations?customer_id={cid}").json()["items"]) == 1

    survey = manager.get(f"{F}/surveys/{inv['survey_id']}").json()
    assert {q["type"] for q in survey["questions"]} >= {"rating", "nps"}
    bad = manager.post(f"{F}/invitations/{inv['id']}/response", json={"answers": {"satisfaction": 7}})
    assert bad.status_code == 422 and "answers.satisfaction" in bad.json()["errors"]
    ok = manager.post(f"{F}/invitations/{inv['id']}/response", json={"answers": {"satisfaction": 5, "recommend": 9}})
    assert ok.status_code == 201, ok.text
    assert manager.post(f"{F}/invitations/{inv['id']}/response",
                        json={"answers": {"satisfaction": 1, "recommend": 0}}).status_code == 409
    summary = support.wait_for(lambda: (lambda s: s if s["latest_satisfaction"] else None)(
        manager.get(f"{F}/customers/{cid}/summary").json()), timeout=20, what="latest satisfaction")
    assert summary["latest_satisfaction"]["level"] == "satisfied" and summary["latest_satisfaction"]["nps"] == 9


def test_complaint_workflow_through_the_gateway_and_in_the_views(admin, manager):
    cid = register(manager)
    r = manager.post(f"{F}/complaints", json={"customer_id": cid, "severity": "high", "category": "staff",
                                              "channel": "counter", "summary": "柜员态度差"})
    assert r.status_code == 201, r.text
    c, tag = r.json(), r.headers["ETag"]
    assert c["status"] == "opened" and c["resolution_due"]
    bad = manager.post(f"{F}/complaints", json={"customer_id": cid, "severity": "x", "category": "staff",
                                                "channel": "counter", "summary": "s"})
    assert bad.status_code == 422 and "severity" in bad.json()["errors"]
    assert manager.post(f"{F}/complaints/{c['id']}/resolve", headers={"If-Match": tag},
                        json={"outcome": "x"}).status_code == 409
    for action, body in (("assign", {"assignee_id": manager.id}), ("start", {}),
                         ("resolve", {"outcome": "当面致歉并培训柜员"})):
        r = manager.post(f"{F}/complaints/{c['id']}/{action}", headers={"If-Match": tag}, json=body)
        assert r.status_code == 200, r.text
        tag = r.headers["ETag"]
    assert r.json()["status"] == "resolved"

    # open complaints show in the customer 360 and on the worklist once past their deadline
    view = manager.get(f"/api/v1/views/customer-360/{cid}")
    assert view.status_code == 200, view.text
    assert [x["id"] for x in view.json()["open_complaints"]] == [c["id"]]
    later = (date.today() + timedelta(days=3)).isoformat()
    w = manager.get(f"/api/v1/views/worklist?manager_id={manager.id}&date={later}")
    assert w.status_code == 200, w.text
    assert w.json()["complaints_breached"] == []      # resolved: the clock stopped

    r = manager.post(f"{F}/complaints/{c['id']}/confirm", headers={"If-Match": tag}, json={"confirmed": True})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["confirmation"] == "customer"
    hist = manager.get(f"{F}/complaints/{c['id']}/history").json()
    assert len(hist) >= 5
    # the closed complaint brings a follow-up survey
    support.wait_for(lambda: any(i["context"] == {"type": "complaint", "id": c["id"]}
                                 for i in manager.get(f"{F}/invitations?customer_id={cid}").json()["items"]),
                     timeout=20, what="follow-up after the complaint")
    other = support.new_user(admin, "manager")
    assert other.get(f"{F}/complaints/{c['id']}").status_code == 404


def test_survey_distribution_and_team_dashboard(admin, manager):
    supervisor = support.new_user(admin, "supervisor", team=[manager.id])
    cids = [register(manager) for _ in range(2)]
    r = supervisor.post(f"{F}/surveys", json={"name": "年度满意度", "questions": [
        {"key": "sat", "type": "rating", "text": "满意度"}, {"key": "rec", "type": "nps", "text": "推荐"}]})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = supervisor.post(f"{F}/surveys/{sid}/distributions", json={"segment": {"manager_ids": [manager.id]}})
    assert r.status_code == 201 and r.json()["invited"] == 2, r.text
    for cid, (sat, rec) in zip(cids, [(5, 10), (2, 4)]):
        inv = manager.get(f"{F}/invitations?customer_id={cid}&survey_id={sid}").json()["items"][0]
        assert manager.post(f"{F}/invitations/{inv['id']}/response",
                            json={"answers": {"sat": sat, "rec": rec}}).status_code == 201
    s = supervisor.get(f"{F}/stats?manager_ids={manager.id}").json()
    assert s["per_manager"][manager.id]["responses"] == 2
    assert s["per_manager"][manager.id]["csat"] == 0.5 and s["per_manager"][manager.id]["nps"] == 0.0
    dash = supervisor.get(f"/api/v1/views/team-dashboard?manager_ids={manager.id}")
    assert dash.status_code == 200, dash.text
    trend = dash.json()["satisfaction_trend"]
    assert trend and trend[-1]["responses"] >= 2
    # SLA table: admins only, version-checked
    sla = admin.get(f"{F}/settings/sla")
    assert sla.status_code == 200 and sla.json()["table"]["critical"]["default"]["resolution_hours"] > 0
    assert manager.put(f"{F}/settings/sla", json=sla.json()).status_code in (403, 422)
