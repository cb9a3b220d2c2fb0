"""Limits through the gateway, on the real processes: oversize bodies, oversize imports,
slow clients (gunicorn.conf.py)."""
import json
import socket
import uuid
from urllib.parse import urlsplit

from tests import support
from tests.e2e.test_gateway_e2e import mobile, resident_id

MiB = 1024 * 1024
BASE = "/api/v1/customers"


def person(**extra) -> dict:
    return {"kind": "individual", "name": f"客户{uuid.uuid4().hex[:6]}", "id_type": "resident_id",
            "id_number": resident_id(), "mobile": mobile(), **extra}


def chunks(data: bytes, size: int = 64 * 1024):
    """A generator body: requests sends it chunked, without a Content-Length."""
    for i in range(0, len(data), size):
        yield data[i:i + size]


def assert_too_large(r, limit: int):
    assert r.status_code == 413, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/too-large") and r.json()["max_bytes"] == limit


def head_only(client, path: str, content_type: str, length: int):
    """Send a request head announcing ``length`` bytes, and no body at all: the answer can
    only come from the Content-Length check, before a byte of the body is read."""
    url = urlsplit(client.base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: crm\r\nAuthorization: {client.s.headers['Authorization']}\r\n"
                  f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n".encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += s.recv(65536) or b"-"
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        while len(body) < int(headers["content-length"]):
            body += s.recv(65536)
    return int(lines[0].split()[1]), headers["content-type"], json.loads(body)


def assert_refused_up_front(client, path: str, content_type: str, limit: int):
    status, ctype, problem = head_only(client, path, content_type, limit + 1)
    assert (status, ctype) == (413, "application/problem+json"), problem
    assert problem["type"].endswith("/too-large") and problem["max_bytes"] == limit


def found(client, **query) -> int:
    r = client.get(BASE, params=query)
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


def test_an_oversize_json_body_is_413_at_the_gateway_and_nothing_is_written(manager):
    assert_refused_up_front(manager, BASE, "application/json", MiB)
    # Chunked, the body is cut off where it passes the limit. (Past the limit by less than
    # the 64 KiB gunicorn drains, so the client reads the answer instead of a reset.)
    data = person(external_id="big-" + uuid.uuid4().hex)
    body = (json.dumps(data) + " " * (MiB + 16 * 1024)).encode()     # valid JSON, only too big
    assert_too_large(manager.post(BASE, data=chunks(body), headers={"Content-Type": "application/json"}), MiB)
    assert found(manager, external_id=data["external_id"]) == 0


def test_a_streamed_import_over_its_limit_is_413_and_imports_nothing(manager):
    limit = support.E2E_IMPORT_LIMIT
    tag = "e2elim" + uuid.uuid4().hex[:6]
    # Valid rows first, then blank lines past the limit. (Few rows: each imported one is an
    # event the suite's workers relay while later tests wait for theirs. The integration
    # test shows that rows before the cut are not written even beyond one write batch.)
    rows = "".join(f"{tag}-{i},individual,导入{i},{tag}\n" for i in range(20))
    body = ("external_id,kind,name,tags\n" + rows).encode()
    body += b"\n" * (limit + 16 * 1024 - len(body))
    headers = {"Content-Type": "text/csv"}
    assert_too_large(manager.post("/api/v1/imports", data=chunks(body), headers=headers), limit)
    assert_refused_up_front(manager, "/api/v1/imports", "text/csv", limit)
    assert found(manager, tag=tag) == 0
    # Under the limit the same rows are imported.
    ok = support.awaited(manager, data=chunks(body[:limit - 1000]), headers=headers)
    assert ok["accepted"] == 20, ok


def test_clients_stalling_mid_request_do_not_stop_the_gateway(gateway_url, manager):
    host, port = urlsplit(gateway_url).hostname, urlsplit(gateway_url).port
    auth = manager.s.headers["Authorization"]
    stalled = []
    try:
        # Eight slow mobile clients: half stop inside their headers, half inside a body
        # the gateway has started to read (authorised, so it reads it).
        for i in range(8):
            s = socket.create_connection((host, port), timeout=10)
            if i % 2:
                s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: crm\r\nAuthorization: Bea")
            else:
                s.sendall(f"POST {BASE} HTTP/1.1\r\nHost: crm\r\nAuthorization: {auth}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\": ".encode())
            stalled.append(s)
        # A normal request is still answered; the timeout only proves it is answered at all.
        r = manager.get(BASE, params={"limit": 1}, timeout=5)
        assert r.status_code == 200, r.text
        assert manager.get("/api/v1/me", timeout=5).status_code == 200
    finally:
        for s in stalled:
            s.close()
