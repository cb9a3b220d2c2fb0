"""Managers' books, tier rules and risk assessment on the real servers."""
import uuid
from datetime import date, datetime, timedelta, timezone

from services.customer import risk
from tests import support
from tests.integration.test_customer_profiles import BASE, change_records, create
from tests.support import as_user


def _mid(prefix="m"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def answers(option="b"):
    return {qid: option if option in opts else list(opts)[-1] for qid, _, opts in risk.QUESTIONS}


def test_assign_and_reassign_with_history_and_event(customer_app):
    c = customer_app.test_client()
    m1, m2, m3 = _mid(), _mid(), _mid()
    sup = as_user(_mid("s"), "supervisor", team=(m1, m2))
    cid = create(c, as_user(m1))["id"]
    # a manager may not reassign; a supervisor only within the team
    assert c.put(f"{BASE}/{cid}/manager", json={"manager_id": m2},
                 headers={**as_user(m1), "If-Match": '"1"'}).status_code == 403
    support.known_staff(m2)
    support.known_staff(m3)
    assert c.put(f"{BASE}/{cid}/manager", json={"manager_id": m3},
                 headers={**sup, "If-Match": '"1"'}).status_code == 422   # not an assignable target
    assert c.put(f"{BASE}/{cid}/manager", json={"manager_id": m2}, headers=sup).status_code == 428
    bad = c.put(f"{BASE}/{cid}/manager", json={"manager": m2}, headers={**sup, "If-Match": '"1"'})
    assert bad.status_code == 422 and "manager" in bad.get_json()["errors"]
    r = c.put(f"{BASE}/{cid}/manager", json={"manager_id": m2, "reason": "rebalance"},
              headers={**sup, "If-Match": '"1"'})
    assert r.status_code == 200 and r.get_json()["manager_id"] == m2
    assert c.get(f"{BASE}/{cid}", headers=as_user(m1)).status_code == 404
    assert c.get(f"{BASE}/{cid}", headers=as_user(m2)).status_code == 200
    hist = c.get(f"{BASE}/{cid}/manager-history", headers=sup).get_json()["items"]
    assert [(h["changes"][0]["old"], h["changes"][0]["new"]) for h in hist] == [(m1, m2), (None, m1)]
    assert hist[0]["reason"] == "rebalance"
    ev = [e for r in change_records(cid) for e in r["events"] if e["type"] == "customer.manager.assigned"]
    assert ev[0]["data"]["previous_manager_id"] == m1 and ev[0]["data"]["manager_id"] == m2
    assert "reason" not in ev[0]["data"] and "rebalance" not in str(ev[0]["data"])   # free text stays here


def test_a_managers_book_is_paginated_and_the_team_view_counts_books(customer_app):
    c = customer_app.test_client()
    m1, m2 = _mid(), _mid()
    ids = {create(c, as_user(m1))["id"] for _ in range(5)}
    create(c, as_user(m2), financial={"aum_cents": 60_000_00})
    seen, cursor, pages = set(), None, 0
    while True:
        url = f"/api/v1/managers/{m1}/customers?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = c.get(url, headers=as_user(m1)).get_json()
        seen |= {i["id"] for i in body["items"]}
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ids and pages == 3
    assert c.get(f"/api/v1/managers/{m2}/customers", headers=as_user(m1)).status_code == 404
    sup = as_user(_mid("s"), "supervisor", team=(m1, m2))
    assert len(c.get(f"/api/v1/managers/{m2}/customers", headers=sup).get_json()["items"]) == 1
    team = {b["manager_id"]: b for b in c.get("/api/v1/managers/team", headers=sup).get_json()["managers"]}
    assert team[m1]["customers"] == 5 and team[m2]["tier_distribution"] == {"gold": 1}
    assert c.get("/api/v1/managers/team", headers=as_user(m1)).status_code == 403
    stats = c.get(f"{BASE}/stats?manager_ids={m1},{m2}&from={date.today()}&to={date.today()}", headers=sup).get_json()
    assert stats["per_manager"][m1]["customers"] == 5 and stats["per_manager"][m1]["new_customers"] == 5
    assert stats["tier_distribution"] == {"standard": 5, "gold": 1}
    assert c.get(f"{BASE}/stats?manager_ids={m1},{_mid()}", headers=sup).status_code == 404


def test_tier_rules_admin_edit_and_recompute_with_events(customer_app):
    c = customer_app.test_client()
    admin = as_user("admin-" + uuid.uuid4().hex[:6], "admin")
    m = _mid()
    cid = create(c, as_user(m), financial={"aum_cents": 300_000_00, "products_held": 4})["id"]
    assert c.get(f"{BASE}/{cid}", headers=as_user(m)).get_json()["tier"] == "gold"
    got = c.get("/api/v1/tiers/rules", headers=as_user(m))
    version = got.get_json()["version"]
    assert got.headers["ETag"] == f'"{version}"'
    new_rules = [{"tier": "standard"}, {"tier": "gold", "min_aum_cents": 10_000_00},
                 {"tier": "platinum", "min_aum_cents": 200_000_00, "min_products_held": 3}]
    assert c.put("/api/v1/tiers/rules", json={"rules": new_rules},
                 headers={**as_user(m), "If-Match": f'"{version}"'}).status_code == 403
    bad = c.put("/api/v1/tiers/rules", json={"rules": [{"tier": "gold", "min_aum_cents": 1}]},
                headers={**admin, "If-Match": f'"{version}"'})
    assert bad.status_code == 422 and "rules" in bad.get_json()["errors"]
    assert c.put("/api/v1/tiers/rules", json={"rules": new_rules},
                 headers={**admin, "If-Match": f'"{version + 5}"'}).status_code == 412
    r = c.put("/api/v1/tiers/rules", json={"rules": new_rules}, headers={**admin, "If-Match": f'"{version}"'})
    assert r.status_code == 200 and r.get_json()["version"] == version + 1
    try:
        with support.running_worker("customer"):
            support.wait_for(lambda: c.get(f"{BASE}/{cid}", headers=as_user(m)).get_json()["tier"] == "platinum",
                             what="re-tiering by the worker")
            coll = support.db("customer").customers
            support.wait_for(lambda: coll.count_documents({"tier_rules_version": {"$ne": version + 1}}) == 0,
                             what="every customer re-tiered")
        ev = [e for rec in change_records(cid) for e in rec["events"] if e["type"] == "customer.tier.changed"]
        assert ev[-1]["data"]["old_tier"] == "gold" and ev[-1]["data"]["new_tier"] == "platinum"
        assert ev[-1]["data"]["rules_version"] == version + 1
        # a new customer is tiered by the rules in force
        assert create(c, as_user(m), financial={"aum_cents": 20_000_00})["tier"] == "gold"
    finally:
        # Put the defaults back (and let the worker settle) so other tests see them.
        from services.customer.rules import DEFAULT_TIER_RULES
        cur = c.get("/api/v1/tiers/rules", headers=admin).get_json()["version"]
        c.put("/api/v1/tiers/rules", json={"rules": DEFAULT_TIER_RULES}, headers={**admin, "If-Match": f'"{cur}"'})
        with support.running_worker("customer"):
            coll = support.db("customer").customers
            support.wait_for(lambda: coll.count_documents({"tier_rules_version": {"$ne": cur + 1}}) == 0,
                             what="re-tiered back", timeout=60)


def test_tier_follows_aum_changes(customer_app):
    c = customer_app.test_client()
    h = as_user(_mid())
    cid = create(c, h)["id"]
    r = c.patch(f"{BASE}/{cid}", json={"financial": {"aum_cents": 2_500_000_00}}, headers={**h, "If-Match": '"1"'})
    assert r.get_json()["tier"] == "diamond"
    assert [e["type"] for e in change_records(cid)[-1]["events"]] == ["customer.customer.updated",
                                                                      "customer.tier.changed"]


def test_risk_assessment_levels_validity_expiry_and_suitability(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    cid = create(c, h)["id"]
    # never assessed: on the worklist (risk_missing) until an assessment is taken
    wl = c.get(f"{BASE}/worklist?manager_id={m}&date={date.today()}", headers=h).get_json()
    assert [x["customer_id"] for x in wl["risk_missing"]] == [cid]
    s = c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R1", headers=h).get_json()
    assert s["suitable"] is False and "no risk assessment" in s["reason"]
    bad = c.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": {"age": "z"}}, headers=h)
    assert bad.status_code == 422 and "age" in bad.get_json()["errors"]["answers"]
    assert c.get(f"{BASE}/{cid}", headers=h).get_json()["version"] == 1
    r = c.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": answers("c")}, headers=h)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    expected_points, expected_level = risk.score(answers("c"))
    assert (body["score"], body["level"]) == (expected_points, expected_level)
    until = date.fromisoformat(body["valid_until"])
    assert 360 <= (until - date.today()).days <= 366
    profile = c.get(f"{BASE}/{cid}", headers=h).get_json()
    assert profile["risk_level"] == expected_level and profile["risk_valid"] is True
    idx = risk.LEVELS.index(expected_level)
    yes = c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R{idx + 1}", headers=h).get_json()
    assert yes["suitable"] is True
    if idx < 4:
        no = c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R{idx + 2}", headers=h).get_json()
        assert no["suitable"] is False and "below" in no["reason"]
    assert c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R9", headers=h).status_code == 422
    assert c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R1",
                 headers=as_user(_mid())).status_code == 404
    # answers and history kept; the event carries the level, not the answers
    hist = c.get(f"/api/v1/risk/assessments?customer_id={cid}", headers=h).get_json()
    assert hist[0]["answers"] == answers("c") and hist[0]["assessed_by"] == m
    ev = change_records(cid)[-1]["events"][0]
    assert ev["type"] == "customer.risk.assessed" and ev["data"]["risk_level"] == expected_level
    assert "answers" not in ev["data"]
    # expiring: on the worklist of a day close to the end of validity, not today
    wl = c.get(f"{BASE}/worklist?manager_id={m}&date={until - timedelta(days=10)}", headers=h).get_json()
    assert [x["customer_id"] for x in wl["risk_expiring"]] == [cid] and wl["risk_expiring"][0]["expired"] is False
    assert wl["risk_missing"] == []
    assert c.get(f"{BASE}/worklist?manager_id={m}&date={date.today()}", headers=h).get_json()["risk_expiring"] == []
    assert c.get(f"{BASE}/worklist?manager_id={_mid()}", headers=h).status_code == 404
    # an assessment taken 12 months ago: expired, listed, no longer suitable
    past = datetime.now(timezone.utc) - timedelta(days=2)
    support.db("customer").customers.update_one({"_id": cid}, {"$set": {"risk_valid_until": past}})
    exp = c.get(f"/api/v1/risk/expiring?within_days=30&include_expired=true&manager_id={m}", headers=h).get_json()
    assert [x["customer_id"] for x in exp["items"]] == [cid] and exp["items"][0]["expired"] is True
    assert c.get(f"/api/v1/risk/expiring?within_days=30&manager_id={m}", headers=h).get_json()["items"] == []
    s = c.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R1", headers=h).get_json()
    assert s["suitable"] is False and "expired" in s["reason"]


def test_risk_expiring_within_n_days_with_short_validity(customer_app):
    from services.customer.app import create_app
    app = create_app(**support.overrides(extra={"CRM_RISK_VALIDITY_MONTHS": "1"}))
    c = app.test_client()
    m = _mid()
    h = as_user(m)
    cid = create(c, h)["id"]
    assert c.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": answers()},
                  headers=h).status_code == 201
    near = c.get(f"/api/v1/risk/expiring?within_days=31&manager_id={m}", headers=h).get_json()["items"]
    assert [x["customer_id"] for x in near] == [cid]
    assert c.get(f"/api/v1/risk/expiring?within_days=10&manager_id={m}", headers=h).get_json()["items"] == []
    assert c.get("/api/v1/risk/expiring?within_days=-1", headers=h).status_code == 422
    q = c.get("/api/v1/risk/questionnaire", headers=h).get_json()
    assert len(q["questions"]) == len(risk.QUESTIONS)
