"""Customer profiles on the real servers: create, read, mask/unmask, update with
If-Match (and under concurrency), duplicates (and their race), history,
re-verification, archive, and the events they publish."""
import json
import random
import threading
import uuid
from datetime import datetime, timedelta, timezone

from chassis import identity as ident
from services.customer.validators import resident_id_check_char
from tests import support
from tests.support import as_user

BASE = "/api/v1/customers"


def new_mobile() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


def new_id_number(birth: str | None = None) -> str:
    birth = birth or f"{random.randint(1950, 2000)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    region = random.choice(["110105", "310115", "440305", "510107"])
    first17 = region + birth + "".join(random.choices("0123456789", k=3))
    return first17 + resident_id_check_char(first17)


def person(**extra) -> dict:
    return {"kind": "individual", "name": "客户" + uuid.uuid4().hex[:6], "mobile": new_mobile(),
            "id_type": "resident_id", "id_number": new_id_number(), "address": "上海市浦东新区世纪大道100号",
            "accounts": [{"number": "62220202000" + "".join(random.choices("0123456789", k=8)), "kind": "debit"}],
            "preferred_channels": ["wechat"], **extra}


def manager_headers(**kw):
    return as_user("m-" + uuid.uuid4().hex[:8], "manager", **kw)


def create(client, headers, **extra):
    r = client.post(BASE, json=person(**extra), headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def change_records(customer_id: str) -> list[dict]:
    """History and pending outbox records of one customer, oldest first."""
    db = support.db("customer")
    # Outbox first (as store.history): a record settled between the two reads is then in the second.
    found = {r["_id"]: r for coll in ("outbox", "changes") for r in db[coll].find({"aggregate_id": customer_id})}
    return sorted(found.values(), key=lambda r: r["version"])


def count_customers(**query) -> int:
    return support.db("customer").customers.count_documents(query)


def test_create_returns_masked_profile_with_etag_and_location(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    data = person(financial={"aum_cents": 60_000_00}, birth_date="1985-06-15",
                  id_number=new_id_number("19850615"))
    r = c.post(BASE, json=data, headers=h)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"{BASE}/{body['id']}"
    assert body["mobile"] == data["mobile"][:3] + "****" + data["mobile"][-4:]
    assert body["id_number"] == data["id_number"][:4] + "*" * 14
    assert body["address"] == "上海市****"
    assert body["accounts"][0]["number"] == "****" + data["accounts"][0]["number"][-4:]
    assert body["masked"] is True and body["tier"] == "gold" and body["birth_date"] == "--06-15"
    assert body["reverification_due"] is False and body["age"] is None and body["age_band"] in ("30-45", "46-55")
    got = c.get(f"{BASE}/{body['id']}", headers=h)
    assert got.status_code == 200 and got.get_json()["name"] == data["name"]


def test_unmasked_read_needs_the_right_and_a_purpose_and_is_audited(customer_app):
    c = customer_app.test_client()
    admin = as_user("admin-" + uuid.uuid4().hex[:6], "admin", unmask=True, purpose="KYC review")
    data = person()
    cid = c.post(BASE, json=data, headers=admin).get_json()["id"]
    body = c.get(f"{BASE}/{cid}", headers=admin).get_json()
    assert body["mobile"] == data["mobile"] and body["id_number"] == data["id_number"] and body["masked"] is False
    no_purpose = as_user("admin2", "admin", unmask=True)
    assert c.get(f"{BASE}/{cid}", headers=no_purpose).get_json()["mobile"] != data["mobile"]
    reads = list(support.db("customer").audit.find({"customer_id": cid, "action": "read_unmasked"}))
    assert reads and {"mobile", "id_number", "address", "accounts"} <= set(reads[-1]["fields"])
    auditor = as_user("aud", "auditor")
    trail = c.get(f"/api/v1/audit?customer_id={cid}", headers=auditor).get_json()
    assert {e["action"] for e in trail} >= {"read_unmasked", "create"}


def test_other_managers_get_404(customer_app):
    c = customer_app.test_client()
    cid = create(c, manager_headers())["id"]
    assert c.get(f"{BASE}/{cid}", headers=manager_headers()).status_code == 404
    assert c.get(f"{BASE}/{uuid.uuid4()}", headers=manager_headers()).status_code == 404


def test_bad_input_is_422_with_the_field_named_and_nothing_written(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    valid = new_id_number()
    wrong_check = next(ch for ch in "0123456789X" if ch != valid[-1])
    cases = {"mobile": "12345", "id_number": valid[:-1] + wrong_check,
             "email": "nope", "birth_date": "2999-01-01", "gender": "x", "unknown_field": 1,
             "financial": {"aum_cents": -1}, "name": ""}
    for field, value in cases.items():
        data = person(**{field: value})
        r = c.post(BASE, json=data, headers=h)
        assert r.status_code == 422, (field, r.get_json())
        assert r.headers["Content-Type"] == "application/problem+json"
        assert field in r.get_json()["errors"], (field, r.get_json())
        assert count_customers(mobile=data["mobile"]) == 0
    r = c.post(BASE, data="not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code in (400, 422)


def test_update_needs_if_match_and_refuses_stale_versions(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    cid = create(c, h)["id"]
    assert c.patch(f"{BASE}/{cid}", json={"occupation": "teacher"}, headers=h).status_code == 428
    r = c.patch(f"{BASE}/{cid}", json={"occupation": "teacher"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"' and r.get_json()["occupation"] == "teacher"
    stale = c.patch(f"{BASE}/{cid}", json={"occupation": "pilot"}, headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 412
    bad = c.patch(f"{BASE}/{cid}", json={"email": "bad"}, headers={**h, "If-Match": '"2"'})
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    assert c.patch(f"{BASE}/{cid}", json={"kind": "corporate"}, headers={**h, "If-Match": '"2"'}).status_code == 422
    assert c.get(f"{BASE}/{cid}", headers=h).get_json()["occupation"] == "teacher"


def test_concurrent_updates_with_the_same_if_match_exactly_one_wins(customer_app):
    h = manager_headers()
    cid = create(customer_app.test_client(), h)["id"]
    results = {}
    barrier = threading.Barrier(10)

    def worker(i):
        client = customer_app.test_client()
        barrier.wait()
        r = client.patch(f"{BASE}/{cid}", json={"occupation": f"job-{i}"}, headers={**h, "If-Match": '"1"'})
        results[i] = r.status_code
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200] + [412] * 9, results
    winner = next(i for i, s in results.items() if s == 200)
    doc = support.db("customer").customers.find_one({"_id": cid})
    assert doc["version"] == 2 and doc["occupation"] == f"job-{winner}"
    assert [r["version"] for r in change_records(cid)] == [1, 2]


def test_duplicate_is_refused_for_all_and_named_only_to_who_may_see_it(customer_app):
    """Issue #9 item 6: the 409 names the existing customer to its own manager only."""
    c = customer_app.test_client()
    first = person()
    owner = manager_headers()
    cid = c.post(BASE, json=first, headers=owner).get_json()["id"]
    other = manager_headers()
    r = c.post(BASE, json=person(mobile=first["mobile"]), headers=other)
    assert r.status_code == 409 and r.get_json()["field"] == "mobile" and "existing_id" not in r.get_json()
    r = c.post(BASE, json=person(id_number=first["id_number"]), headers=other)
    assert r.status_code == 409 and r.get_json()["field"] == "id_number" and "existing_id" not in r.get_json()
    assert cid not in r.get_data(as_text=True)
    r = c.post(BASE, json=person(mobile=first["mobile"]), headers=owner)
    assert r.status_code == 409 and r.get_json()["existing_id"] == cid
    # the unnamed refusals are in the trail (probing numbers leaves a trace), the owner's is not
    refused = list(support.db("customer").audit.find({"customer_id": cid, "action": "duplicate_refused"}))
    assert sorted(e["fields"][0] for e in refused) == ["id_number", "mobile"]
    assert {e["actor"]["user_id"] for e in refused} == {ident.verify(other[ident.HEADER], support.SECRET).user_id}
    assert count_customers(mobile=first["mobile"]) == 1
    # an update onto someone else's mobile is refused the same way
    h2 = manager_headers()
    c2 = create(c, h2)
    r = c.patch(f"{BASE}/{c2['id']}", json={"mobile": first["mobile"]}, headers={**h2, "If-Match": '"1"'})
    assert r.status_code == 409 and r.get_json()["field"] == "mobile" and "existing_id" not in r.get_json()
    assert support.db("customer").customers.find_one({"_id": c2["id"]})["version"] == 1


def test_concurrent_registrations_of_one_mobile_create_exactly_one(customer_app):
    mobile = new_mobile()
    results = []
    barrier = threading.Barrier(8)

    def worker():
        client = customer_app.test_client()
        barrier.wait()
        r = client.post(BASE, json=person(mobile=mobile), headers=manager_headers())
        results.append((r.status_code, r.get_json()))
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(s for s, _ in results)
    assert codes == [201] + [409] * 7, codes
    winner = next(b["id"] for s, b in results if s == 201)
    assert winner and all("existing_id" not in b for s, b in results if s == 409)   # other managers' record
    assert count_customers(mobile=mobile) == 1


def test_history_lists_who_when_channel_and_masked_old_new(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    data = person()
    cid = c.post(BASE, json=data, headers=h).get_json()["id"]
    new_mobile_ = new_mobile()
    c.patch(f"{BASE}/{cid}", json={"mobile": new_mobile_, "occupation": "nurse"}, headers={**h, "If-Match": '"1"'})
    items = c.get(f"{BASE}/{cid}/history", headers=h).get_json()["items"]
    assert [i["version"] for i in items] == [2, 1]
    latest = items[0]
    assert latest["channel"] == "api" and latest["actor"]["role"] == "manager"
    changes = {ch["field"]: ch for ch in latest["changes"]}
    assert set(changes) == {"mobile", "occupation"}
    assert changes["occupation"] == {"field": "occupation", "old": None, "new": "nurse"}
    assert changes["mobile"]["old"] != data["mobile"] and changes["mobile"]["old"].endswith(data["mobile"][-4:])
    assert new_mobile_ not in json.dumps(items)
    unmask = as_user("a", "admin", unmask=True, purpose="dispute")
    items = c.get(f"{BASE}/{cid}/history", headers=unmask).get_json()["items"]
    assert {ch["field"]: ch for ch in items[0]["changes"]}["mobile"]["new"] == new_mobile_
    page1 = c.get(f"{BASE}/{cid}/history?limit=1", headers=h).get_json()
    page2 = c.get(f"{BASE}/{cid}/history?limit=1&cursor={page1['next_cursor']}", headers=h).get_json()
    assert [page1["items"][0]["version"], page2["items"][0]["version"]] == [2, 1] and page2["next_cursor"] is None


def test_reverification_due_listing_and_confirm(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    cid = create(c, h)["id"]
    fresh = create(c, h)["id"]
    old = datetime.now(timezone.utc) - timedelta(days=400)
    support.db("customer").customers.update_one({"_id": cid}, {"$set": {"last_confirmed_at": old}})
    due = c.get(f"{BASE}?reverification_due=true", headers=h).get_json()["items"]
    assert [i["id"] for i in due] == [cid]
    assert c.get(f"{BASE}/{cid}", headers=h).get_json()["reverification_due"] is True
    assert c.post(f"{BASE}/{cid}/confirm", json={"channel": "counter"}, headers=h).status_code == 428
    r = c.post(f"{BASE}/{cid}/confirm", json={"channel": "counter"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200 and r.get_json()["reverification_due"] is False
    assert c.get(f"{BASE}?reverification_due=true", headers=h).get_json()["items"] == []
    assert {i["id"] for i in c.get(f"{BASE}?reverification_due=false", headers=h).get_json()["items"]} == {cid, fresh}
    bad = c.post(f"{BASE}/{cid}/confirm", json={"channel": "pigeon"}, headers={**h, "If-Match": '"2"'})
    assert bad.status_code == 422 and "channel" in bad.get_json()["errors"]


def test_events_carry_the_snapshot_and_never_sensitive_values(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    sup = as_user("sup-" + uuid.uuid4().hex[:6], "supervisor", team=())
    tap = support.ExchangeTap("customer.#")
    try:
        with support.running_worker("customer"):
            data = person(financial={"aum_cents": 10})
            cid = c.post(BASE, json=data, headers=h).get_json()["id"]
            c.patch(f"{BASE}/{cid}", json={"occupation": "chef", "financial": {"aum_cents": 60_000_00}},
                    headers={**h, "If-Match": '"1"'})
            admin = as_user("adm", "admin")
            c.post(f"{BASE}/{cid}/archive", json={"reason": "left the bank"}, headers={**admin, "If-Match": '"2"'})
            got = tap.wait(lambda e: e["subject"] == cid and e["type"] == "customer.customer.archived")
    finally:
        tap.close()
    # re-read the whole stream from the change records' outbox
    records = support.wait_for(lambda: (lambda rs: rs if all(r["status"] == "published" for r in rs) else None)(
        change_records(cid)), what="records moved to history")
    envs = [e for r in records for e in r["events"]]
    types = [e["type"] for e in envs]
    assert types == ["customer.customer.registered", "customer.customer.updated", "customer.tier.changed",
                     "customer.customer.archived"]
    assert [r["version"] for r in records] == [1, 2, 3]
    updated = envs[1]["data"]
    assert updated["changed_fields"] == ["financial", "occupation", "tier"]
    assert envs[2]["data"]["old_tier"] == "standard" and envs[2]["data"]["new_tier"] == "gold"
    assert envs[3]["data"]["status"] == "archived" and envs[3]["subject_version"] == 3
    for e in envs:
        assert {"customer_id", "name", "tier", "manager_id", "preferred_channels", "status"} <= set(e["data"])
        text = json.dumps(e)
        for secret in (data["mobile"], data["id_number"], data["address"], data["accounts"][0]["number"]):
            assert secret not in text
    assert got[0][2]["data"]["status"] == "archived"
    # a manager may not archive; archiving twice conflicts
    assert c.post(f"{BASE}/{cid}/archive", json={"reason": "x"}, headers={**h, "If-Match": '"3"'}).status_code == 403
    assert c.post(f"{BASE}/{cid}/archive", json={"reason": "x"},
                  headers={**as_user("adm", "admin"), "If-Match": '"3"'}).status_code == 409
    # archived customers are read-only; supervisors of other teams do not see them
    assert c.patch(f"{BASE}/{cid}", json={"occupation": "x"}, headers={**h, "If-Match": '"3"'}).status_code == 409
    assert c.get(f"{BASE}/{cid}", headers=sup).status_code == 404


def new_credit_code() -> str:
    from services.customer.validators import USCC_CHARSET, uscc_check_char
    first17 = "91" + "".join(random.choices("0123456789", k=6)) + "".join(random.choices(USCC_CHARSET, k=9))
    return first17 + uscc_check_char(first17)


def test_corporate_profile_contacts_masked_and_credit_code_unique(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    code = new_credit_code()
    body = {"kind": "corporate", "name": "某某贸易有限公司", "credit_code": code, "industry": "wholesale",
            "size": "small", "contacts": [{"name": "王五", "role": "财务总监", "mobile": new_mobile()}],
            "financing_needs": ["working_capital"], "classes": ["sme"]}
    r = c.post(BASE, json=body, headers=h)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["contacts"][0]["role"] == "财务总监" and got["contacts"][0]["mobile"] != body["contacts"][0]["mobile"]
    dup = c.post(BASE, json={**body, "contacts": []}, headers=manager_headers())
    assert dup.status_code == 409 and dup.get_json()["field"] == "credit_code"
    assert "existing_id" not in dup.get_json()
    assert c.post(BASE, json={**body, "contacts": []}, headers=h).get_json()["existing_id"] == got["id"]
    wrong = c.post(BASE, json={**body, "credit_code": new_credit_code(), "gender": "male"}, headers=h)
    assert wrong.status_code == 422 and "gender" in wrong.get_json()["errors"]


def test_text_that_is_not_unicode_is_400_and_nothing_written(customer_app):
    """A JSON escape of a lone surrogate cannot be stored (BSON is UTF-8): refused up front, not a 500."""
    c = customer_app.test_client()
    h = {**manager_headers(), "Content-Type": "application/json"}
    name = "客户" + uuid.uuid4().hex[:6]
    r = c.post(BASE, data='{"kind": "individual", "name": "%s\\ud800"}' % name, headers=h)
    assert r.status_code == 400 and r.mimetype == "application/problem+json", r.get_data(as_text=True)
    assert support.db("customer").customers.count_documents({"name": {"$regex": "^" + name}}) == 0
    ok = c.post(BASE, data='{"kind": "individual", "name": "%s\\ud83d\\ude00"}' % name, headers=h)
    assert ok.status_code == 201 and ok.get_json()["name"] == name + "😀"   # a surrogate pair is fine


def test_an_import_hitting_anothers_customer_names_nobody_and_is_audited(customer_app):
    c = customer_app.test_client()
    first = person()
    cid = c.post(BASE, json=first, headers=manager_headers()).get_json()["id"]
    csv = f"kind,name,id_type,id_number\nindividual,某某,resident_id,{first['id_number']}\n".encode()
    report = support.imported(c, {**manager_headers(), "Content-Type": "text/csv"}, data=csv)
    assert report["accepted"] == 0 and len(report["rows"]) == 1, report
    assert "existing_id" not in report["rows"][0] and cid not in str(report)
    assert support.db("customer").audit.count_documents(
        {"customer_id": cid, "action": "duplicate_refused", "resource": "import"}) == 1
