"""Search, listing and bulk import on the real servers."""
import io
import json
import random
import uuid
from datetime import date, timedelta

from tests import support
from tests.integration.test_customer_profiles import BASE, create, new_id_number, new_mobile, person
from tests.support import as_user


def _mid():
    return "m-" + uuid.uuid4().hex[:8]


def ids(resp):
    assert resp.status_code == 200, resp.get_json()
    return [i["id"] for i in resp.get_json()["items"]]


def test_search_by_each_criterion(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    prefix = "搜" + uuid.uuid4().hex[:4]
    a = create(c, h, name=prefix + "甲", classes=["hnw"], tags=["golf"], financial={"aum_cents": 60_000_00})
    b_data = person(name=prefix + "乙", classes=["retail"], tags=["tea"])
    b = c.post(BASE, json=b_data, headers=h).get_json()
    corp_code = "91350100M000100Y43"
    if not support.db("customer").customers.find_one({"credit_code": corp_code}):
        corp = c.post(BASE, json={"kind": "corporate", "name": prefix + "公司", "credit_code": corp_code,
                                  "classes": ["sme"]}, headers=h).get_json()
        assert ids(c.get(f"{BASE}?credit_code={corp_code}", headers=h)) == [corp["id"]]
    assert set(ids(c.get(f"{BASE}?name={prefix}", headers=h))) >= {a["id"], b["id"]}
    assert ids(c.get(f"{BASE}?name={prefix}甲", headers=h)) == [a["id"]]
    assert ids(c.get(f"{BASE}?mobile={b_data['mobile']}", headers=h)) == [b["id"]]
    assert ids(c.get(f"{BASE}?id_number={b_data['id_number']}", headers=h)) == [b["id"]]
    assert ids(c.get(f"{BASE}?id_number={b_data['id_number'][:-2]}", headers=h)) == []   # exact only
    assert ids(c.get(f"{BASE}?tier=gold&manager_id={m}", headers=h)) == [a["id"]]
    assert ids(c.get(f"{BASE}?class=hnw&manager_id={m}", headers=h)) == [a["id"]]
    assert ids(c.get(f"{BASE}?tag=tea&manager_id={m}", headers=h)) == [b["id"]]
    # other managers do not find them, even by exact mobile
    assert ids(c.get(f"{BASE}?mobile={b_data['mobile']}", headers=as_user(_mid()))) == []
    # bad filters are 422 with the parameter named
    for q, field in (("mobile=123", "mobile"), ("tier=bronze", "tier"), ("limit=0", "limit"),
                     ("sort=shoe", "sort"), ("birthday_from=2026-01-01", "birthday_to"), ("colour=red", "colour")):
        r = c.get(f"{BASE}?{q}", headers=h)
        assert r.status_code == 422 and field in r.get_json()["errors"], (q, r.get_json())
    assert c.get(f"{BASE}?cursor=garbage", headers=h).status_code == 400


def test_birthday_window_wraps_the_year_end(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    dec = create(c, h, birth_date="1980-12-30", id_number=new_id_number("19801230"))["id"]
    jan = create(c, h, birth_date="1990-01-02", id_number=new_id_number("19900102"))["id"]
    jun = create(c, h, birth_date="1985-06-15", id_number=new_id_number("19850615"))["id"]
    got = ids(c.get(f"{BASE}?manager_id={m}&birthday_from=2026-12-28&birthday_to=2027-01-03&sort=birthday",
                    headers=h))
    assert got == [jan, dec]   # sorted by month-day
    assert ids(c.get(f"{BASE}?manager_id={m}&birthday_from=2026-06-01&birthday_to=2026-06-30", headers=h)) == [jun]
    assert len(ids(c.get(f"{BASE}?manager_id={m}&birthday_from=2026-01-01&birthday_to=2027-01-01", headers=h))) == 3


def test_sorting_and_cursor_pagination_visit_every_row_once(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    made = [create(c, h, name=f"排{n:02d}")["id"] for n in random.sample(range(30), 7)]
    for sort in ("name", "-name", "-created_at"):
        seen, cursor = [], None
        while True:
            body = c.get(f"{BASE}?manager_id={m}&sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else ""),
                         headers=h).get_json()
            seen += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(i["id"] for i in seen) == sorted(made)
        names = [i["name"] for i in seen]
        if sort == "name":
            assert names == sorted(names)
        if sort == "-name":
            assert names == sorted(names, reverse=True)


def _csv(rows, header):
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for r in rows:
        out.write(",".join(r.get(h, "") for h in header) + "\n")
    return out.getvalue().encode()


def test_csv_import_reports_rows_and_is_idempotent(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    tag = "imp" + uuid.uuid4().hex[:6]
    header = ["external_id", "kind", "name", "mobile", "id_type", "id_number", "aum_cents", "tags", "birth_date"]
    good = [{"external_id": f"{tag}-{i}", "kind": "individual", "name": f"导入{i}", "mobile": new_mobile(),
             "id_type": "resident_id", "id_number": new_id_number(), "aum_cents": str(i * 10_000_00),
             "tags": f"{tag}|batch"} for i in range(7)]
    bad = [{"external_id": f"{tag}-bad1", "kind": "individual", "name": "坏1", "mobile": "123"},
           {"external_id": f"{tag}-bad2", "kind": "individual", "name": "", "birth_date": "2999-01-01"},
           {"external_id": f"{tag}-bad3", "kind": "martian", "name": "坏3"}]
    rows = good[:3] + [bad[0]] + good[3:5] + bad[1:] + good[5:]
    body = _csv(rows, header)
    rep = support.imported(c, {**h, "Content-Type": "text/csv"}, data=body)
    assert (rep["status"], rep["accepted"], rep["skipped"], rep["rejected"]) == ("done", 7, 0, 3)
    assert rep["rows_done"] == rep["rows_total"] == 10 and rep["attempts"] == 1
    rejected = {x["row"]: x for x in rep["rows"]}
    assert set(rejected) == {4, 7, 8}
    assert "mobile" in rejected[4]["errors"]
    assert {"name", "birth_date"} <= set(rejected[7]["errors"]) and "kind" in rejected[8]["errors"]
    coll = support.db("customer").customers
    assert coll.count_documents({"tags": tag}) == 7
    assert coll.count_documents({"external_id": {"$in": [b["external_id"] for b in bad]}}) == 0
    assert {d["tier"] for d in coll.find({"tags": tag})} >= {"standard", "gold"}
    # the same file again: nothing new, the good rows skipped as existing
    again = support.imported(c, {**h, "Content-Type": "text/csv"}, data=body)
    assert (again["accepted"], again["skipped"], again["rejected"]) == (0, 7, 3)
    assert all(x["reason"] == "exists" for x in again["rows"] if x["status"] == "skipped")
    assert coll.count_documents({"tags": tag}) == 7
    # rows keyed only by ID document are idempotent too
    no_ext = [{k: v for k, v in g.items() if k != "external_id"} for g in good[:2]]
    rep3 = support.imported(c, {**h, "Content-Type": "text/csv"}, data=_csv(no_ext, header))
    assert (rep3["accepted"], rep3["skipped"]) == (0, 2)
    assert {x["existing_id"] for x in rep3["rows"]} == {d["_id"] for d in coll.find(
        {"external_id": {"$in": [g["external_id"] for g in good[:2]]}})}
    assert c.post("/api/v1/imports", data=b"kind,name,shoe\n", headers={**h, "Content-Type": "text/csv"}
                  ).status_code == 400
    assert c.post("/api/v1/imports", data=b"x", headers={**h, "Content-Type": "text/plain"}).status_code == 415


def test_ndjson_import_streamed_in_batches_and_multipart_upload(customer_app):
    from services.customer import importer
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    tag = "nd" + uuid.uuid4().hex[:6]
    lines = [json.dumps(person(tags=[tag], external_id=f"{tag}-{i}")) for i in range(12)]
    lines.insert(5, json.dumps({"kind": "individual", "name": "x", "favourite": "red"}))
    lines.insert(8, "not json")
    dup_mobile = json.loads(lines[0])["mobile"]
    lines.append(json.dumps(person(tags=[tag], mobile=dup_mobile)))
    body = ("\n".join(lines) + "\n").encode()
    old_batch, old_chunk = importer.BATCH, importer.CHUNK
    importer.BATCH, importer.CHUNK = 4, 100      # several batches and many small chunks
    try:
        rep = support.imported(c, {**h, "Content-Type": "application/x-ndjson"}, data=body)
    finally:
        importer.BATCH, importer.CHUNK = old_batch, old_chunk
    assert (rep["accepted"], rep["skipped"], rep["rejected"]) == (12, 0, 3), rep
    by_row = {x["row"]: x for x in rep["rows"]}
    assert "favourite" in by_row[6]["errors"] and "_row" in by_row[9]["errors"]
    assert "mobile" in by_row[15]["errors"] and by_row[15]["existing_id"]
    coll = support.db("customer").customers
    assert coll.count_documents({"tags": tag}) == 12
    upload = {"file": (io.BytesIO(body), "customers.jsonl")}
    rep2 = support.imported(c, h, data=upload, content_type="multipart/form-data")
    assert (rep2["accepted"], rep2["skipped"], rep2["filename"]) == (0, 12, "customers.jsonl")
    assert coll.count_documents({"tags": tag}) == 12
    # imported customers are in the manager's book and publish registered events
    with support.running_worker("customer"):
        db = support.db("customer")
        support.wait_for(lambda: db.outbox.count_documents({"aggregate_id": {"$in": [
            d["_id"] for d in coll.find({"tags": tag})]}}) == 0, what="outbox drained", timeout=30)
    tagged = [d["_id"] for d in coll.find({"tags": tag})]
    recs = list(support.db("customer").changes.find({"aggregate_id": {"$in": tagged}}))
    assert len(recs) == 12 and all(r["events"][0]["type"] == "customer.customer.registered" for r in recs)
    assert all(r["channel"] == "import" for r in recs)
    assert len(ids(c.get(f"{BASE}?tag={tag}&limit=50", headers=h))) == 12


def test_reverification_due_on_the_worklist(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    cid = create(c, h)["id"]
    later = date.today() + timedelta(days=400)
    wl = c.get(f"{BASE}/worklist?manager_id={m}&date={later}", headers=h).get_json()
    assert [x["customer_id"] for x in wl["reverification_due"]] == [cid]
    assert c.get(f"{BASE}/worklist?manager_id={m}", headers=h).get_json()["reverification_due"] == []
    assert c.get(f"{BASE}/worklist?manager_id={m}&date=yesterday", headers=h).status_code == 422
