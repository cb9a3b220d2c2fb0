"""Import jobs on the real servers: who sees a job, cancelling, and a worker killed mid-job.

The customer service runs in-process; the worker that runs the jobs is either this
process (support.run_imports) or, for the crash, a real child process killed with SIGKILL.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

from chassis import identity as ident
from services.customer.importer import row_id
from tests import support
from tests.integration.test_customer_profiles import person
from tests.support import as_user

IMPORTS = "/api/v1/imports"
NDJSON = {"Content-Type": "application/x-ndjson"}


def _body(rows) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n").encode()


def _post(c, headers, body) -> dict:
    r = c.post(IMPORTS, data=body, headers={**headers, **NDJSON})
    assert r.status_code == 202, r.get_json()
    return r.get_json()


def test_only_the_importer_their_supervisor_and_admins_over_them_see_a_job(customer_app):
    c = customer_app.test_client()
    m = "m-" + uuid.uuid4().hex[:8]
    owner = as_user(m, branch="b-jobs")
    job = _post(c, owner, _body([person(tags=["jobs"])]))
    where = f"{IMPORTS}/{job['id']}"
    others = {
        "another manager": as_user("m-other-" + uuid.uuid4().hex[:6], branch="b-jobs"),
        "a supervisor of another team": as_user("s-" + uuid.uuid4().hex[:6], ident.SUPERVISOR, branch="b-jobs"),
        "another branch's admin": as_user("a-" + uuid.uuid4().hex[:6], ident.ADMIN, branch="b-elsewhere"),
        "an auditor": as_user("au-" + uuid.uuid4().hex[:6], ident.AUDITOR),
    }
    for who, headers in others.items():
        r = c.get(where, headers=headers)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", who
        assert c.post(f"{where}/cancel", headers=headers).status_code == 404, who
        assert job["id"] not in [j["id"] for j in c.get(IMPORTS, headers=headers).get_json()["items"]], who
    seers = {
        "the importer": owner,
        "their supervisor": as_user("s-" + uuid.uuid4().hex[:6], ident.SUPERVISOR, branch="b-jobs", team=[m]),
        "their branch's admin": as_user("a-" + uuid.uuid4().hex[:6], ident.ADMIN, branch="b-jobs"),
        "a bank-wide admin": as_user("a-" + uuid.uuid4().hex[:6], ident.ADMIN),
    }
    for who, headers in seers.items():
        r = c.get(where, headers=headers)
        assert r.status_code == 200 and r.get_json()["id"] == job["id"], who
        assert job["id"] in [j["id"] for j in c.get(IMPORTS, headers=headers).get_json()["items"]], who
    # Nothing a stranger did cancelled it: it runs, as its owner, into the owner's book.
    support.run_imports()
    done = c.get(where, headers=owner).get_json()
    assert (done["status"], done["accepted"], done["cancel_requested"]) == ("done", 1, False)
    cid = row_id(job["id"], 1)
    doc = support.db("customer").customers.find_one({"_id": cid})
    assert (doc["manager_id"], doc["branch"]) == (m, "b-jobs")
    assert c.post(f"{where}/cancel", headers=owner).status_code == 409   # finished


def test_a_cancelled_job_imports_nothing_and_its_file_is_dropped(customer_app):
    c = customer_app.test_client()
    h = as_user("m-" + uuid.uuid4().hex[:8])
    tag = "cx" + uuid.uuid4().hex[:6]
    job = _post(c, h, _body([person(tags=[tag]) for _ in range(3)]))
    db = support.db("customer")
    assert db.import_chunks.count_documents({"job_id": job["id"]}) == 1
    r = c.post(f"{IMPORTS}/{job['id']}/cancel", headers=h)
    assert r.status_code == 202 and r.get_json()["status"] == "cancelled" and r.get_json()["cancel_requested"]
    assert c.post(f"{IMPORTS}/{job['id']}/cancel", headers=h).status_code == 202   # asking twice is harmless
    support.run_imports()
    final = c.get(f"{IMPORTS}/{job['id']}", headers=h).get_json()
    assert (final["status"], final["rows_done"], final["accepted"]) == ("cancelled", 0, 0)
    assert final["finished_at"]
    assert db.customers.count_documents({"tags": tag}) == 0
    assert db.import_chunks.count_documents({"job_id": job["id"]}) == 0
    listed = c.get(f"{IMPORTS}?status=cancelled", headers=h).get_json()["items"]
    assert [j["id"] for j in listed] == [job["id"]] and "rows" not in listed[0]


def _worker(lease_seconds: int) -> subprocess.Popen:
    env = {**os.environ, "CRM_MONGO_URL": support.MONGO_URL, "CRM_AMQP_URL": support.AMQP_URL,
           "CRM_DB_PREFIX": support.DB_PREFIX, "CRM_EXCHANGE": support.EXCHANGE,
           "CRM_INTERNAL_SECRET": support.SECRET, "CRM_RELAY_INTERVAL": "0.1", "CRM_LOG_LEVEL": "WARNING",
           "CRM_IMPORT_LEASE_SECONDS": str(lease_seconds)}
    env.pop("CRM_DEV_MODE", None)
    return subprocess.Popen([sys.executable, "-m", "services.customer.worker"], cwd=support.ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_job_is_taken_over_without_duplicates_or_gaps(customer_app):
    c = customer_app.test_client()
    h = as_user("m-" + uuid.uuid4().hex[:8])
    tag = "kill" + uuid.uuid4().hex[:6]
    n = 2000
    # Half the rows have no natural key at all (no mobile, ID number or external id): only
    # their ids (row_id) keep a resumed job from creating them twice.
    rows = [person(tags=[tag], external_id=f"{tag}-{i}") if i % 2 else {"kind": "individual",
                                                                          "name": f"无键{i}", "tags": [tag]}
            for i in range(n)]
    bad = {17, 1234, 1999}   # rejected rows stay counted once too
    for i in bad:
        rows[i] = {"kind": "martian", "name": "x", "tags": [tag]}
    job = _post(c, h, _body(rows))
    jobs = support.db("customer").import_jobs
    first = _worker(lease_seconds=2)
    try:
        support.wait_for(lambda: (jobs.find_one({"_id": job["id"]}) or {}).get("rows_done", 0) > 0,
                         timeout=120, interval=0.02, what="the first checkpoint")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = jobs.find_one({"_id": job["id"]})
    assert killed_at["status"] == "running" and 0 < killed_at["rows_done"] < n, killed_at["rows_done"]
    time.sleep(0.5)   # whatever the dead worker had in flight has landed or never will
    second = _worker(lease_seconds=2)
    try:
        support.wait_for(lambda: jobs.find_one({"_id": job["id"]})["status"] in ("done", "failed"),
                         timeout=180, interval=0.2, what="the job to be finished by the second worker")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()
    final = c.get(f"{IMPORTS}/{job['id']}", headers=h).get_json()
    assert final["status"] == "done" and final["attempts"] == 2, final
    assert (final["rows_total"], final["rows_done"]) == (n, n)
    assert (final["accepted"], final["skipped"], final["rejected"]) == (n - len(bad), 0, len(bad))
    assert sorted(r["row"] for r in final["rows"]) == sorted(i + 1 for i in bad)
    db = support.db("customer")
    docs = list(db.customers.find({"tags": tag}, {"_id": 1}))
    expected = {row_id(job["id"], i + 1) for i in range(n) if i not in bad}
    assert len(docs) == len(expected) and {d["_id"] for d in docs} == expected   # none twice, none missing
    # One creation record per customer, wherever it has got to: a record the killed worker had
    # copied to history but not yet taken out of the outbox is in both until the relay voids the
    # outbox copy (after the publish lease), the same record by id.
    records = {r["_id"] for coll in (db.outbox, db.changes)
               for r in coll.find({"aggregate_id": {"$in": list(expected)}}, {"_id": 1})}
    assert records == {f"customer:{cid}:1" for cid in expected}
    assert db.import_chunks.count_documents({"job_id": job["id"]}) == 0


def test_an_imported_customers_creation_reads_as_a_created_ones(customer_app):
    """The importer's change records carry no field diff (the state is the creation): its
    history, its manager history and the audit trail show the creation all the same, with
    the fields a single create shows."""
    from tests.integration.test_customer_profiles import BASE
    c = customer_app.test_client()
    m = "m-" + uuid.uuid4().hex[:8]
    h = as_user(m)
    tag = "hist" + uuid.uuid4().hex[:6]
    data = person(tags=[tag], external_id=f"{tag}-1", occupation="teacher")
    job = support.imported(c, {**h, "Content-Type": "application/x-ndjson"}, data=_body([data]))
    assert job["accepted"] == 1, job
    db = support.db("customer")
    cid = db.customers.find_one({"tags": tag})["_id"]
    single = c.post(BASE, json=person(tags=[tag], occupation="teacher", external_id=f"{tag}-2"),
                    headers=h).get_json()["id"]
    records = {r["aggregate_id"]: r for coll in (db.outbox, db.changes)
               for r in coll.find({"aggregate_id": {"$in": [cid, single]}})}
    assert "diff" not in records[cid] and records[single]["diff"]   # the cut this test guards

    def created(customer_id):
        [entry] = c.get(f"{BASE}/{customer_id}/history", headers=h).get_json()["items"]
        assert entry["action"] == "create" and entry["version"] == 1
        return {ch["field"]: ch for ch in entry["changes"]}
    imported_changes, single_changes = created(cid), created(single)
    assert set(imported_changes) == set(single_changes) >= {"name", "mobile", "occupation", "tags", "manager_id"}
    assert imported_changes["occupation"] == {"field": "occupation", "old": None, "new": "teacher"}
    assert imported_changes["mobile"]["masked"] is True and data["mobile"] not in json.dumps(imported_changes)
    [manager] = c.get(f"{BASE}/{cid}/manager-history", headers=h).get_json()["items"]
    assert manager["changes"] == [{"field": "manager_id", "old": None, "new": m}]
    auditor = as_user("aud-" + uuid.uuid4().hex[:6], "auditor")
    trail = c.get(f"/api/v1/audit?customer_id={cid}", headers=auditor).get_json()
    [creation] = [e for e in trail if e["action"] == "create"]
    assert {"name", "mobile", "occupation", "tags"} <= set(creation["fields"])
