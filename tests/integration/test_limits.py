"""Request size limits, bounded error lists and bulk import limits, on a real service.

The customer service in-process (Flask's test client) against the real FerretDB: an
oversize body is 413 problem+json before anything is parsed or written, a body with
thousands of bad fields gets a bounded 422, an import over its own limit imports
nothing, and imported customers get random ids.
"""
import io
import json
import uuid

import pytest

from services.customer.app import create_app
from tests import support
from tests.integration.test_customer_profiles import BASE, count_customers, manager_headers, person

MiB = 1024 * 1024
IMPORTS = "/api/v1/imports"
IMPORT_LIMIT = 64 * 1024  # small here, so the over-limit bodies stay small


@pytest.fixture(scope="module")
def small_imports():
    """The customer service with a 64 KiB import limit (CRM_MAX_IMPORT_BYTES)."""
    app = create_app(**support.overrides(extra={"CRM_MAX_IMPORT_BYTES": str(IMPORT_LIMIT)}))
    app.testing = True
    return app.test_client()


def assert_too_large(r, limit: int):
    assert r.status_code == 413, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["type"].endswith("/too-large") and body["max_bytes"] == limit


def test_a_json_body_over_the_limit_is_413_and_nothing_is_written(customer_app):
    c = customer_app.test_client()
    data = person(external_id="big-" + uuid.uuid4().hex)
    # Valid JSON (whitespace is allowed anywhere), so only its size stands in the way.
    body = json.dumps(data) + " " * MiB
    r = c.post(BASE, data=body, headers={**manager_headers(), "Content-Type": "application/json"})
    assert_too_large(r, MiB)
    # The same body just under the limit is created: the size is what was refused.
    assert count_customers(external_id=data["external_id"]) == 0
    r = c.post(BASE, data=json.dumps(data) + " " * 1000,
               headers={**manager_headers(), "Content-Type": "application/json"})
    assert r.status_code == 201, r.get_json()


def test_a_chunked_json_body_is_cut_off_at_the_limit(customer_app):
    c = customer_app.test_client()
    data = person(external_id="chunked-" + uuid.uuid4().hex)
    body = (json.dumps(data) + " " * MiB).encode()
    # No Content-Length: the server (gunicorn) terminates the stream and says so.
    r = c.post(BASE, input_stream=io.BytesIO(body),
               headers={**manager_headers(), "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
               environ_overrides={"wsgi.input_terminated": True})
    assert_too_large(r, MiB)
    assert count_customers(external_id=data["external_id"]) == 0


def test_thousands_of_bad_fields_get_a_bounded_422(customer_app):
    c = customer_app.test_client()
    h = manager_headers()
    unknown = {f"field{i}": i for i in range(5000)}
    r = c.post(BASE, json={**person(), **unknown}, headers=h)
    assert r.status_code == 422
    body = r.get_json()
    assert 0 < len(body["errors"]) <= 50 and body["errors_truncated"] is True
    assert "50" in body["detail"]
    # Thousands of bad items of one list field: a bounded list of item errors.
    r = c.post(BASE, json=person(tags=[{"not": "a string"}] * 3000), headers=h)
    assert r.status_code == 422
    tags = r.get_json()["errors"]["tags"]
    assert 0 < len(tags) <= 10 and r.get_json()["errors_truncated"] is True
    # A few errors come back whole, without the note.
    r = c.post(BASE, json={**person(), "shoe": 1, "hat": 2}, headers=h)
    assert set(r.get_json()["errors"]) == {"shoe", "hat"} and "errors_truncated" not in r.get_json()


def _csv(tag: str, n: int) -> bytes:
    rows = [f"{tag}-{i},individual,导入{i},{tag}" for i in range(n)]
    return ("external_id,kind,name,tags\n" + "\n".join(rows) + "\n").encode()


def test_an_import_over_its_limit_is_413_and_imports_nothing(small_imports):
    h = {**manager_headers(), "Content-Type": "text/csv"}
    # Valid rows first, more than one write batch of them, then blank lines (skipped
    # rows) past the limit: a reader that wrote while reading would have written some.
    tag = "lim" + uuid.uuid4().hex[:6]
    body = _csv(tag, 600)
    body += b"\n" * (IMPORT_LIMIT + 1000 - len(body))
    assert len(body) > IMPORT_LIMIT
    assert_too_large(small_imports.post(IMPORTS, data=body, headers=h), IMPORT_LIMIT)
    r = small_imports.post(IMPORTS, input_stream=io.BytesIO(body), headers={**h, "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_too_large(r, IMPORT_LIMIT)
    assert count_customers(tags=tag) == 0
    # Imports have their own limit, above the one for other bodies.
    assert IMPORT_LIMIT < MiB
    ok = support.imported(small_imports, h, data=_csv(tag, 3))
    assert ok["accepted"] == 3
    assert count_customers(tags=tag) == 3


def test_a_body_shorter_than_its_content_length_imports_nothing(customer_app):
    c = customer_app.test_client()
    tag = "short" + uuid.uuid4().hex[:6]
    body = _csv(tag, 3)
    r = c.post(IMPORTS, input_stream=io.BytesIO(body),
               headers={**manager_headers(), "Content-Type": "text/csv"},
               environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": str(len(body) + 100)})
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert count_customers(tags=tag) == 0


def test_import_report_bounds_each_rows_errors(customer_app):
    c = customer_app.test_client()
    bad = json.dumps({"kind": "individual", "name": "x", **{f"f{i}": i for i in range(3000)}})
    rows = support.imported(c, {**manager_headers(), "Content-Type": "application/x-ndjson"},
                            data=(bad + "\n") * 3)["rows"]
    assert [x["row"] for x in rows] == [1, 2, 3]
    assert all(0 < len(x["errors"]) <= 20 and x["errors_truncated"] for x in rows)


def test_imported_customers_get_ids_from_the_random_job_id_not_from_the_external_id(customer_app):
    from services.customer.importer import row_id
    c = customer_app.test_client()
    h = {**manager_headers(), "Content-Type": "text/csv"}
    tag = "rid" + uuid.uuid4().hex[:6]
    job = support.imported(c, h, data=_csv(tag, 2))
    assert job["accepted"] == 2
    old_namespace = uuid.UUID("5b0c54f4-2a41-4d1e-9a53-6f0a3b1c2d7e")  # the former uuid5 derivation
    docs = list(support.db("customer").customers.find({"tags": tag}, {"_id": 1, "external_id": 1}))
    assert len(docs) == 2
    for d in docs:
        assert d["_id"] != str(uuid.uuid5(old_namespace, d["external_id"]))
        row = int(d["external_id"].rsplit("-", 1)[1]) + 1
        # The job's id is random (version 4), so the row's id is unpredictable before the upload.
        assert d["_id"] == row_id(job["id"], row) and uuid.UUID(job["id"]).version == 4
        assert d["_id"] != row_id(str(uuid.uuid4()), row)
    # A re-import is still idempotent, through the unique external id.
    again = support.imported(c, h, data=_csv(tag, 2))
    assert (again["accepted"], again["skipped"]) == (0, 2)
    assert {x["existing_id"] for x in again["rows"]} == {d["_id"] for d in docs}


def test_behind_the_edge_proxy_login_throttling_counts_the_clients_address():
    # Behind compose's nginx every request comes from nginx; unless nginx is a trusted proxy
    # one client's failures would lock everybody out. From anyone else the header is not trusted.
    from gateway.app import create_app as create_gateway
    failures = support.db("gateway").login_failures
    for trusted, expected in (("127.0.0.1", "203.0.113.9"), ("", "127.0.0.1"), ("10.9.9.9", "127.0.0.1")):
        gw = create_gateway(**support.overrides(), extra={"CRM_TRUSTED_PROXIES": trusted,
                                                          "CRM_JWT_SECRET": support.SECRET + "-jwt-limits"})
        username = "nobody-" + uuid.uuid4().hex[:8]
        r = gw.test_client().post("/api/v1/auth/login", json={"username": username, "password": "wrong-password"},
                                  headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert r.status_code == 401
        assert failures.find_one({"key": f"addr:{expected}"}) is not None
        assert failures.find_one({"key": f"pair:{username}|{expected}"}) is not None
        claimed = failures.find_one({"key": f"pair:{username}|203.0.113.9"})
        assert (claimed is not None) == (expected == "203.0.113.9")   # the claim counts only from a trusted peer


def test_a_csv_cell_over_the_field_size_limit_fails_the_job_after_the_rows_before_it(customer_app):
    c = customer_app.test_client()
    tag = "cell" + uuid.uuid4().hex[:6]
    # A quote never closed swallows the rest of the file into one cell.
    body = _csv(tag, 2) + b'x-1,individual,"never closed,' + b"y" * 200_000 + b"\n"
    job = support.imported(c, {**manager_headers(), "Content-Type": "text/csv"}, data=body)
    assert job["status"] == "failed" and job["accepted"] == 2 and "not readable CSV" in job["error"]
    assert count_customers(tags=tag) == 2
