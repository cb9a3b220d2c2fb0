"""Surveys, follow-ups (回访) from events on the real RabbitMQ, satisfaction figures."""
import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pika
import pytest

from chassis.events import Envelope, received
from chassis.identity import system
from contracts import customer as customer_events, engagement as engagement_events
from tests import support
from tests.support import as_user

ACTOR = system("feedback")
SURVEY = {"name": "网点服务满意度", "questions": [
    {"key": "sat", "type": "rating", "text": "满意度"},
    {"key": "rec", "type": "nps", "text": "推荐意愿"},
    {"key": "chan", "type": "single", "text": "常用渠道", "options": ["app", "branch"]},
    {"key": "topics", "type": "multiple", "text": "关注", "options": ["fees", "queue", "staff"], "required": False},
    {"key": "comment", "type": "text", "text": "建议", "required": False}]}


def uid(p="x"):
    return f"{p}-{uuid.uuid4().hex[:8]}"


def customer_event(cid, version, **data):
    env = customer_events.REGISTERED.new(cid, {"customer_id": cid, "kind": "individual", "name": "李四", **data})
    env.subject_version = version
    return received(env)


def seed(manager_id, tier="gold", **extra):
    from services.feedback import snapshots
    cid = uid("c")
    assert snapshots.apply(customer_event(cid, 1, tier=tier, manager_id=manager_id, branch="b1", **extra))
    return cid


def publish(envelope: Envelope):
    """Publish a well-formed envelope to this run's exchange with pika, as a producer would."""
    conn = pika.BlockingConnection(support.pika_params())
    try:
        ch = conn.channel()
        ch.exchange_declare(exchange=f"{support.EXCHANGE}.unrouted", exchange_type="fanout", durable=True)
        ch.exchange_declare(exchange=support.EXCHANGE, exchange_type="topic", durable=True,
                            arguments={"alternate-exchange": f"{support.EXCHANGE}.unrouted"})
        ch.confirm_delivery()
        ch.basic_publish(support.EXCHANGE, envelope.type, json.dumps(envelope.to_dict()),
                         pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                              message_id=envelope.id))
    finally:
        conn.close()


def consumer_ready():
    """Wait until the worker consumes from its queue (bound to its keys), so nothing we publish
    goes to the unrouted queue."""
    def ready():
        conn = pika.BlockingConnection(support.pika_params())
        try:
            q = conn.channel().queue_declare(f"{support.EXCHANGE}.feedback", passive=True)
            return q.method.consumer_count > 0
        except pika.exceptions.ChannelClosedByBroker:
            return False
        finally:
            if conn.is_open:
                conn.close()
    support.wait_for(ready, what="the feedback consumer")


@pytest.fixture
def client(feedback_app):
    return feedback_app.test_client()


@pytest.fixture
def fdb(feedback_app):
    return support.db("feedback")


def make_survey(client):
    r = client.post("/api/v1/feedback/surveys", json=SURVEY, headers=as_user("s1", "supervisor"))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


# --- snapshot ----------------------------------------------------------------------------
def test_snapshot_is_idempotent_and_order_safe(feedback_app, fdb):
    from services.feedback import snapshots
    cid = uid("c")
    assert snapshots.apply(customer_event(cid, 1, tier="gold", manager_id="m1"))
    assert snapshots.apply(customer_event(cid, 2, tier="platinum", manager_id="m1"))
    assert not snapshots.apply(customer_event(cid, 2, tier="platinum", manager_id="m1"))   # redelivery
    assert not snapshots.apply(customer_event(cid, 1, tier="gold", manager_id="m9"))        # late, older
    doc = fdb.customer_snapshots.find_one({"_id": cid})
    assert (doc["tier"], doc["manager_id"], doc["version"]) == ("platinum", "m1", 2)


def test_customer_events_over_the_bus_update_the_snapshot(feedback_app, fdb):
    cid = uid("c")
    with support.running_worker("feedback"):
        consumer_ready()
        publish(customer_event(cid, 1, tier="gold", manager_id="m1"))
        support.wait_for(lambda: fdb.customer_snapshots.find_one({"_id": cid}), what="snapshot")
        archived = customer_events.ARCHIVED.new(cid, {**customer_event(cid, 1).data, "tier": "gold",
                                                       "manager_id": "m2", "status": "archived"})
        archived.subject_version = 4
        publish(archived)
        publish(customer_event(cid, 2, tier="standard", manager_id="m1"))   # late: ignored
        support.wait_for(lambda: (fdb.customer_snapshots.find_one({"_id": cid}) or {}).get("version") == 4,
                         what="archived snapshot")
        time.sleep(0.5)
    doc = fdb.customer_snapshots.find_one({"_id": cid})
    assert (doc["status"], doc["manager_id"], doc["version"]) == ("archived", "m2", 4)


# --- templates, distribution, responses ----------------------------------------------------
def test_template_validation_and_roles(client, fdb):
    assert client.post("/api/v1/feedback/surveys", json=SURVEY, headers=as_user("m1")).status_code == 403
    n = fdb.survey_templates.count_documents({})
    bad = {"name": "x", "questions": [{"key": "a.b", "type": "rating", "text": "?"},
                                      {"key": "c", "type": "single", "text": "?", "options": ["one"]}]}
    r = client.post("/api/v1/feedback/surveys", json=bad, headers=as_user("s1", "supervisor"))
    assert r.status_code == 422 and "questions" in r.get_json()["errors"]
    r = client.post("/api/v1/feedback/surveys", json={**SURVEY, "questions": [
        {"key": "c", "type": "single", "text": "?", "options": ["one"]}]}, headers=as_user("s1", "supervisor"))
    assert r.status_code == 422 and "questions.0.options" in r.get_json()["errors"]
    assert fdb.survey_templates.count_documents({}) == n


def test_distribution_responses_validated_one_per_invitation_and_satisfaction(client, fdb):
    mgr = uid("m")
    golds = [seed(mgr, "gold", tags=["vip"]) for _ in range(3)]
    seed(mgr, "standard")
    seed(uid("m"), "gold")                          # someone else's customer: not invited by mgr
    survey = make_survey(client)
    did = uid("d").replace("-", "_")
    r = client.post(f"/api/v1/feedback/surveys/{survey['id']}/distributions", headers=as_user(mgr),
                    json={"segment": {"tiers": ["gold"]}, "distribution_id": did})
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"distribution_id": did, "invited": 3, "already_invited": 0}
    again = client.post(f"/api/v1/feedback/surveys/{survey['id']}/distributions", headers=as_user(mgr),
                        json={"segment": {"tiers": ["gold"]}, "distribution_id": did}).get_json()
    assert again["invited"] == 0 and again["already_invited"] == 3
    invs = client.get(f"/api/v1/feedback/invitations?survey_id={survey['id']}", headers=as_user(mgr)).get_json()
    assert sorted(i["customer_id"] for i in invs["items"]) == sorted(golds)

    inv = invs["items"][0]
    url = f"/api/v1/feedback/invitations/{inv['id']}/response"
    bad = client.post(url, headers=as_user(mgr), json={"answers": {"sat": 9, "rec": 5, "chan": "fax", "x": 1}})
    assert bad.status_code == 422
    assert {"answers.sat", "answers.chan", "answers.x"} <= set(bad.get_json()["errors"])
    assert fdb.responses.count_documents({"_id": inv["id"]}) == 0
    assert client.post(url, headers=as_user(uid("m")), json={"answers": {}}).status_code == 404

    tap = support.ExchangeTap("feedback.#")
    try:
        with support.running_worker("feedback"):
            ok = client.post(url, headers=as_user(mgr), json={"answers": {
                "sat": 2, "rec": 3, "chan": "app", "topics": ["fees", "queue"], "comment": "手续费太高"}})
            assert ok.status_code == 201, ok.get_json()
            assert ok.get_json()["csat"] == 2 and ok.get_json()["nps"] == 3
            dup = client.post(url, headers=as_user(mgr), json={"answers": {"sat": 5, "rec": 10, "chan": "app"}})
            assert dup.status_code == 409
            seen = []

            def arrived(kind):
                seen.extend(m[2] for m in tap.messages())
                return [e for e in seen if e["type"] == kind and e["subject"] == inv["customer_id"]]
            ev = support.wait_for(lambda: arrived("feedback.survey.responded"), what="survey.responded")[0]
            assert ev["data"]["scores"] == {"sat": 2, "rec": 3} and "comment" not in json.dumps(ev["data"])
            assert ev["data"]["context"] == {"type": "distribution", "id": did}
            assert ev["data"]["manager_id"] == mgr and ev["data"]["survey_id"] == survey["id"]
            sc = support.wait_for(lambda: arrived("feedback.satisfaction.changed"), what="satisfaction.changed")[0]
            assert sc["data"]["level"] == "dissatisfied" and sc["data"]["previous_level"] is None
    finally:
        tap.close()
    summary = client.get(f"/api/v1/feedback/customers/{inv['customer_id']}/summary", headers=as_user(mgr)).get_json()
    assert summary["latest_satisfaction"]["level"] == "dissatisfied"
    assert summary["latest_satisfaction"]["csat"] == 2
    assert client.get(f"/api/v1/feedback/invitations/{inv['id']}", headers=as_user(mgr)).get_json()["status"] == \
        "responded"


def test_concurrent_responses_to_one_invitation_only_one_wins(client, fdb):
    from services.feedback import surveys
    mgr = uid("m")
    cid = seed(mgr)
    survey = make_survey(client)
    did = uid("d").replace("-", "_")
    client.post(f"/api/v1/feedback/surveys/{survey['id']}/distributions", headers=as_user(mgr),
                json={"segment": {"manager_ids": [mgr]}, "distribution_id": did})
    inv_id = f"{did}:{cid}"
    results = []
    barrier = threading.Barrier(8)

    def answer(score):
        c = client.application.test_client()
        barrier.wait()
        results.append(c.post(f"/api/v1/feedback/invitations/{inv_id}/response", headers=as_user(mgr),
                              json={"answers": {"sat": score, "rec": 8, "chan": "branch"}}).status_code)
    threads = [threading.Thread(target=answer, args=(1 + i % 5,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * 7
    assert fdb.responses.count_documents({"invitation_id": inv_id}) == 1
    del surveys


# --- follow-ups from events -------------------------------------------------------------------
def test_visit_completed_on_the_bus_creates_one_follow_up_invitation(client, fdb):
    """engagement.visit.completed (well-formed, published with pika) → an invitation, once."""
    mgr = uid("m")
    cid = seed(mgr, "platinum")
    visit_id = uid("v")
    env = engagement_events.VISIT_COMPLETED.new(visit_id, {
        "visit_id": visit_id, "customer_id": cid, "manager_id": mgr,
        "completed_at": datetime.now(timezone.utc), "rating": 4, "objective_met": True})
    env.subject_version = 4
    with support.running_worker("feedback"):
        consumer_ready()
        publish(env)
        publish(env)   # redelivered
        inv = support.wait_for(lambda: fdb.invitations.find_one({"_id": env.id}), what="follow-up invitation")
        time.sleep(0.5)
    assert inv["customer_id"] == cid and inv["manager_id"] == mgr and inv["tier"] == "platinum"
    assert inv["context"] == {"type": "visit", "id": visit_id} and inv["kind"] == "follow_up"
    assert fdb.invitations.count_documents({"customer_id": cid}) == 1
    listed = client.get(f"/api/v1/feedback/invitations?customer_id={cid}", headers=as_user(mgr)).get_json()
    assert [i["id"] for i in listed["items"]] == [env.id]
    # the built-in follow-up survey can be answered
    r = client.post(f"/api/v1/feedback/invitations/{env.id}/response", headers=as_user(mgr),
                    json={"answers": {"satisfaction": 5, "recommend": 10}})
    assert r.status_code == 201, r.get_json()


def test_follow_up_frequency_cap_holds_under_concurrent_triggers(feedback_app, fdb):
    from services.feedback import surveys
    mgr = uid("m")
    cid = seed(mgr)
    now = datetime.now(timezone.utc)
    ids = [str(uuid.uuid4()) for _ in range(6)]
    barrier = threading.Barrier(len(ids))

    def trigger(i):
        barrier.wait()
        surveys.follow_up(i, cid, {"type": "visit", "id": i}, "visit", now, ACTOR)
    threads = [threading.Thread(target=trigger, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fdb.invitations.count_documents({"customer_id": cid}) == 1
    assert fdb.followup_suppressed.count_documents({"customer_id": cid}) == 5
    # a redelivery of a suppressed trigger stays suppressed; of the winner returns the same invitation
    winner = fdb.invitations.find_one({"customer_id": cid})["_id"]
    assert surveys.follow_up(winner, cid, {"type": "visit", "id": winner}, "visit", now, ACTOR).id == winner
    loser = next(i for i in ids if i != winner)
    assert surveys.follow_up(loser, cid, {"type": "visit", "id": loser}, "visit", now, ACTOR) is None
    # 31 days later the customer may be asked again
    later = surveys.follow_up(str(uuid.uuid4()), cid, {"type": "visit", "id": "v"}, "visit",
                              now + timedelta(days=31), ACTOR)
    assert later is not None and fdb.invitations.count_documents({"customer_id": cid}) == 2


def test_activity_attended_triggers_follow_up_with_activity_context(feedback_app, fdb):
    mgr = uid("m")
    cid = seed(mgr)
    activity = uid("a")
    yes = engagement_events.INVITATION_ATTENDED.new(uid("i"), {
        "invitation_id": uid("i"), "activity_id": activity, "customer_id": cid, "manager_id": mgr,
        "status": "accepted", "attended": True})
    cid2 = seed(mgr)
    no = engagement_events.INVITATION_ATTENDED.new(uid("i"), {
        "invitation_id": uid("i"), "activity_id": activity, "customer_id": cid2, "manager_id": mgr,
        "status": "accepted", "attended": False})
    with support.running_worker("feedback"):
        consumer_ready()
        publish(no)
        publish(yes)
        inv = support.wait_for(lambda: fdb.invitations.find_one({"_id": yes.id}), what="activity follow-up")
        time.sleep(0.5)
    assert inv["context"] == {"type": "activity", "id": activity}
    assert fdb.invitations.count_documents({"customer_id": cid2}) == 0


# --- figures ------------------------------------------------------------------------------
def test_csat_nps_figures_by_manager_tier_month_and_stats(client, fdb):
    from services.feedback import surveys
    m1, m2 = uid("m"), uid("m")
    survey = make_survey(client)
    answers = {m1: [(5, 10), (4, 9), (2, 3)], m2: [(3, 7), (1, 0)]}
    for mgr, pairs in answers.items():
        for sat, rec in pairs:
            cid = seed(mgr, "gold" if mgr == m1 else "diamond")
            did = uid("d").replace("-", "_")
            client.post(f"/api/v1/feedback/surveys/{survey['id']}/distributions", headers=as_user(mgr),
                        json={"segment": {"manager_ids": [mgr]}, "distribution_id": did})
            r = client.post(f"/api/v1/feedback/invitations/{did}:{cid}/response", headers=as_user(mgr),
                            json={"answers": {"sat": sat, "rec": rec, "chan": "app"}})
            assert r.status_code == 201, r.get_json()
    sup = as_user("s-" + m1, "supervisor", team=(m1, m2))
    r = client.get(f"/api/v1/feedback/satisfaction?by=manager&manager_ids={m1},{m2}", headers=sup)
    assert r.status_code == 200, r.get_json()
    rows = {row["key"]: row for row in r.get_json()["rows"]}
    assert rows[m1]["csat"] == round(2 / 3, 4) and rows[m1]["nps"] == round(100 * (2 - 1) / 3, 1)
    assert rows[m2]["csat"] == 0.0 and rows[m2]["nps"] == -50.0 and rows[m2]["responses"] == 2
    overall = r.get_json()["overall"]
    assert overall["responses"] == 5 and overall["csat"] == 0.4 and overall["nps"] == 0.0
    by_tier = {row["key"]: row for row in client.get(
        f"/api/v1/feedback/satisfaction?by=tier&manager_ids={m1},{m2}", headers=sup).get_json()["rows"]}
    assert by_tier["gold"]["responses"] == 3 and by_tier["diamond"]["responses"] == 2
    by_survey = client.get(f"/api/v1/feedback/satisfaction?by=survey&manager_ids={m1}", headers=sup).get_json()
    assert by_survey["rows"] == [{**by_survey["rows"][0], "key": survey["id"], "responses": 3}]

    month = datetime.now(timezone.utc).strftime("%Y-%m")
    today = datetime.now(timezone.utc).date()
    stats = client.get(f"/api/v1/feedback/stats?manager_ids={m1},{m2}&from={today - timedelta(days=30)}&to={today}",
                       headers=sup)
    assert stats.status_code == 200, stats.get_json()
    s = stats.get_json()
    assert s["satisfaction_trend"] == [{"period": month, "csat": 0.4, "nps": 0.0, "responses": 5,
                                        "csat_mean": 3.0}]
    assert s["per_manager"][m1]["responses"] == 3 and s["per_manager"][m2]["nps"] == -50.0
    assert s["complaint_sla"]["open"] == 0
    # a range before any answer has none
    old = client.get(f"/api/v1/feedback/stats?manager_ids={m1}&from=2020-01-01&to=2020-02-01", headers=sup).get_json()
    assert old["satisfaction_trend"] == [] and old["satisfaction"]["csat"] is None
    # a manager cannot read another's figures; a bad range is 422
    assert client.get(f"/api/v1/feedback/stats?manager_ids={m2}", headers=as_user(m1)).status_code == 404
    bad = client.get("/api/v1/feedback/stats?from=2026-05-01&to=2026-04-01", headers=sup)
    assert bad.status_code == 422 and "to" in bad.get_json()["errors"]
    del surveys


def test_reassigned_customer_takes_open_complaints_along_and_archived_gets_no_follow_up(client, fdb):
    from services.feedback import handlers, surveys
    old_mgr, new_mgr = uid("m"), uid("m")
    cid = seed(old_mgr)
    r = client.post("/api/v1/feedback/complaints", headers=as_user(old_mgr), json={
        "customer_id": cid, "severity": "low", "category": "process", "channel": "email", "summary": "手续繁琐"})
    comp = r.get_json()
    moved = customer_events.MANAGER_ASSIGNED.new(cid, {**customer_event(cid, 1).data, "tier": "gold",
                                                        "manager_id": new_mgr, "branch": "b1"})
    moved.subject_version = 3
    late = customer_events.MANAGER_ASSIGNED.new(cid, {**customer_event(cid, 1).data, "tier": "gold",
                                                       "manager_id": old_mgr, "branch": "b1"})
    late.subject_version = 2
    handlers.on_customer_changed(moved)
    handlers.on_customer_changed(late)     # older: changes nothing
    handlers.on_customer_changed(moved)    # redelivered: changes nothing
    assert client.get(f"/api/v1/feedback/complaints/{comp['id']}", headers=as_user(new_mgr)).status_code == 200
    assert client.get(f"/api/v1/feedback/complaints/{comp['id']}", headers=as_user(old_mgr)).status_code == 404
    assert fdb.complaints.find_one({"_id": comp["id"]})["version"] == 2

    archived = customer_events.ARCHIVED.new(cid, {**customer_event(cid, 1).data, "manager_id": new_mgr,
                                                   "status": "archived"})
    archived.subject_version = 4
    handlers.on_customer_changed(archived)
    assert surveys.follow_up(str(uuid.uuid4()), cid, {"type": "visit", "id": "v"}, "visit",
                             datetime.now(timezone.utc), ACTOR) is None
    assert fdb.invitations.count_documents({"customer_id": cid}) == 0


def test_follow_up_invitations_are_on_the_owning_managers_worklist_until_answered(client, fdb):
    """回访 the system made (after a visit here) are on the manager's feedback worklist, follow the
    customer to a new manager, and leave the list once answered."""
    from services.feedback import handlers, surveys
    mgr, other = uid("m"), uid("m")
    cid = seed(mgr)
    now = datetime.now(timezone.utc)
    inv = surveys.follow_up(str(uuid.uuid4()), cid, {"type": "visit", "id": "v-1"}, "visit", now, ACTOR)
    today = now.date().isoformat()

    def listed(manager, headers=None):
        r = client.get(f"/api/v1/feedback/worklist?manager_id={manager}&date={today}",
                       headers=headers or as_user(manager))
        assert r.status_code == 200, r.get_json()
        return r.get_json()["follow_up_surveys"]
    [item] = listed(mgr)
    assert (item["invitation_id"], item["customer_id"]) == (inv.id, cid)
    assert item["context"] == {"type": "visit", "id": "v-1"}
    assert item["name"] == "李四" and listed(other) == []
    assert client.get(f"/api/v1/feedback/worklist?manager_id={mgr}&date={today}",
                      headers=as_user(other)).status_code == 404            # not theirs to see
    # the customer moves to another manager: so does the follow-up
    moved = customer_events.MANAGER_ASSIGNED.new(cid, {**customer_event(cid, 1).data, "tier": "gold",
                                                        "manager_id": other, "branch": "b1"})
    moved.subject_version = 2
    handlers.on_customer_changed(moved)
    assert listed(mgr) == [] and [i["invitation_id"] for i in listed(other)] == [inv.id]
    r = client.post(f"/api/v1/feedback/invitations/{inv.id}/response", headers=as_user(other),
                    json={"answers": {"satisfaction": 4, "recommend": 8}})
    assert r.status_code == 201, r.get_json()
    assert listed(other) == []
