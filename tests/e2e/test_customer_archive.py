"""The customer archive end to end, through the gateway, one test per feature."""
import json
import random
import uuid
from datetime import date

from services.customer import risk
from services.customer.validators import resident_id_check_char
from tests import support

BASE = "/api/v1/customers"


def mobile():
    return "137" + "".join(random.choices("0123456789", k=8))


def id_number():
    first17 = "310115" + f"{random.randint(1950, 2000)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}" \
        + "".join(random.choices("0123456789", k=3))
    return first17 + resident_id_check_char(first17)


def person(**kw):
    return {"kind": "individual", "name": "端" + uuid.uuid4().hex[:6], "mobile": mobile(),
            "id_type": "resident_id", "id_number": id_number(), "address": "广州市天河区体育西路1号", **kw}


def test_profile_masking_update_history_and_bad_input(admin, manager):
    data = person(preferred_channels=["wechat"])
    bad = manager.post(BASE, json={**data, "mobile": "123", "shoe": 1})
    assert bad.status_code == 422 and {"mobile", "shoe"} <= set(bad.json()["errors"])
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert manager.get(f"{BASE}?mobile={data['mobile']}").json()["items"] == []
    r = manager.post(BASE, json=data)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    body = manager.get(f"{BASE}/{cid}").json()
    assert body["mobile"] != data["mobile"] and body["id_number"] != data["id_number"] and body["masked"]
    assert manager.patch(f"{BASE}/{cid}", json={"occupation": "doctor"}).status_code == 428
    ok = manager.patch(f"{BASE}/{cid}", json={"occupation": "doctor"}, headers={"If-Match": r.headers["ETag"]})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    assert manager.patch(f"{BASE}/{cid}", json={"occupation": "x"}, headers={"If-Match": '"1"'}).status_code == 412
    hist = manager.get(f"{BASE}/{cid}/history").json()["items"]
    assert hist[0]["changes"] == [{"field": "occupation", "old": None, "new": "doctor"}]
    assert hist[0]["actor"]["user_id"] == manager.id
    # a user allowed to unmask sees clear values when stating a purpose, and it is audited
    unmasker = support.new_user(admin, "supervisor", team=[manager.id], can_unmask=True)
    clear = unmasker.get(f"{BASE}/{cid}", headers={"X-Unmask-Purpose": "KYC refresh"}).json()
    assert clear["mobile"] == data["mobile"] and clear["masked"] is False
    assert unmasker.get(f"{BASE}/{cid}").json()["masked"] is True
    auditor = support.new_user(admin, "auditor")
    trail = auditor.get(f"/api/v1/audit?customer_id={cid}").json()
    assert any(e["action"] == "read_unmasked" and e["actor"]["user_id"] == unmasker.id
               for e in (trail if isinstance(trail, list) else trail.get("items", [])))


def test_duplicates_are_refused_and_named_only_to_who_may_see_them(admin, manager):
    data = person()
    cid = manager.post(BASE, json=data).json()["id"]
    other = support.new_user(admin, "manager")
    r = other.post(BASE, json=person(id_number=data["id_number"]))
    assert r.status_code == 409 and r.json()["field"] == "id_number" and cid not in r.text
    r = manager.post(BASE, json=person(id_number=data["id_number"]))
    assert r.status_code == 409 and r.json()["existing_id"] == cid


def test_tier_recomputed_on_aum_change_and_published(manager):
    tap = support.ExchangeTap("customer.tier.changed")
    try:
        r = manager.post(BASE, json=person())
        cid = r.json()["id"]
        assert r.json()["tier"] == "standard"
        up = manager.patch(f"{BASE}/{cid}", json={"financial": {"aum_cents": 600_000_00}},
                           headers={"If-Match": r.headers["ETag"]})
        assert up.json()["tier"] == "platinum"
        (_, _, env), = tap.wait(lambda e: e["subject"] == cid)
        assert env["data"]["old_tier"] == "standard" and env["data"]["new_tier"] == "platinum"
        assert env["data"]["manager_id"] == manager.id and "mobile" not in json.dumps(env["data"])
    finally:
        tap.close()
    rules = manager.get("/api/v1/tiers/rules").json()
    assert [r["tier"] for r in rules["rules"]][0] == "standard"


def test_supervisor_reassigns_and_sees_team_books(admin):
    m1, m2 = support.new_user(admin, "manager"), support.new_user(admin, "manager")
    sup = support.new_user(admin, "supervisor", team=[m1.id, m2.id])
    tap = support.ExchangeTap("customer.manager.assigned")
    try:
        r = m1.post(BASE, json=person())
        cid = r.json()["id"]
        assert m1.put(f"{BASE}/{cid}/manager", json={"manager_id": m2.id},
                      headers={"If-Match": r.headers["ETag"]}).status_code == 403
        ok = sup.put(f"{BASE}/{cid}/manager", json={"manager_id": m2.id, "reason": "leave"},
                     headers={"If-Match": r.headers["ETag"]})
        assert ok.status_code == 200
        (_, _, env), = tap.wait(lambda e: e["subject"] == cid)
        assert env["data"]["previous_manager_id"] == m1.id and env["data"]["manager_id"] == m2.id
    finally:
        tap.close()
    assert [i["id"] for i in m2.get(f"/api/v1/managers/{m2.id}/customers").json()["items"]] == [cid]
    assert m1.get(f"{BASE}/{cid}").status_code == 404
    team = {b["manager_id"]: b["customers"] for b in sup.get("/api/v1/managers/team").json()["managers"]}
    assert team[m2.id] == 1 and team[m1.id] == 0


def test_risk_assessment_and_suitability(manager):
    cid = manager.post(BASE, json=person()).json()["id"]
    q = manager.get("/api/v1/risk/questionnaire").json()["questions"]
    answers = {x["id"]: x["options"][-1]["value"] for x in q}
    r = manager.post("/api/v1/risk/assessments", json={"customer_id": cid, "answers": answers})
    assert r.status_code == 201 and r.json()["level"] == risk.score(answers)[1]
    level = int(r.json()["level"][1])
    s = manager.get(f"/api/v1/risk/suitability?customer_id={cid}&product_risk=R{level}").json()
    assert s["suitable"] is True and s["assessment_valid"] is True
    assert manager.get(f"{BASE}/{cid}").json()["risk_valid_until"] == r.json()["valid_until"]


def test_import_csv_as_a_job_then_search(manager, admin):
    tag = "e2e" + uuid.uuid4().hex[:6]
    rows = [person(external_id=f"{tag}-{i}") for i in range(5)]
    header = ["external_id", "kind", "name", "mobile", "id_type", "id_number", "tags"]
    lines = [",".join(header)] + [",".join([r["external_id"], "individual", r["name"], r["mobile"], "resident_id",
                                            r["id_number"], tag]) for r in rows]
    lines.append(f"{tag}-bad,individual,坏,12,resident_id,{id_number()},{tag}")
    body = ("\n".join(lines) + "\n").encode()
    rep = support.awaited(manager, data=body, headers={"Content-Type": "text/csv"})
    assert (rep["status"], rep["accepted"], rep["rejected"]) == ("done", 5, 1) and rep["rows"][0]["row"] == 6
    assert "mobile" in rep["rows"][0]["errors"] and (rep["rows_done"], rep["rows_total"]) == (6, 6)
    # Another manager's job does not exist for them, through the gateway too.
    other = support.new_user(admin, "manager")
    assert other.get(f"/api/v1/imports/{rep['id']}").status_code == 404
    assert rep["id"] not in [j["id"] for j in other.get("/api/v1/imports").json()["items"]]
    assert rep["id"] in [j["id"] for j in manager.get("/api/v1/imports").json()["items"]]
    again = support.awaited(manager, data=body, headers={"Content-Type": "text/csv"})
    assert (again["accepted"], again["skipped"]) == (0, 5)
    found = manager.get(f"{BASE}?tag={tag}").json()["items"]
    assert len(found) == 5
    assert [i["name"] for i in manager.get(f"{BASE}?mobile={rows[2]['mobile']}").json()["items"]] == [rows[2]["name"]]
    wl = manager.get(f"{BASE}/worklist?manager_id={manager.id}&date={date.today()}").json()
    assert (wl["risk_expiring"], wl["reverification_due"]) == ([], [])
    # imported customers were never risk-assessed: the worklist says so
    assert {i["id"] for i in found} <= {i["customer_id"] for i in wl["risk_missing"]}
