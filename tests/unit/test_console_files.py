"""The gateway serves the built console (gateway/console.py): caching, client routes, CSP, no build."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from chassis.errors import Problem, problem_response
from gateway import console


def _app(root) -> Flask:
    app = Flask("console-test")
    app.config["CRM_SETTINGS"] = SimpleNamespace(get=lambda name: str(root) if name == "CRM_CONSOLE_DIR" else None)
    app.register_blueprint(console.blp)
    app.register_error_handler(Problem, problem_response)
    return app


@pytest.fixture
def built(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return _app(tmp_path).test_client()


def test_index_and_client_routes_are_the_app_and_never_cached(built):
    for path in ("/console/", "/console/today", "/console/customers/c-1/edit"):
        r = built.get(path)
        assert r.status_code == 200, path
        assert b"<title>console</title>" in r.data
        assert r.headers["Cache-Control"] == "no-cache"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp


def test_hashed_assets_are_cached_for_a_year_other_files_revalidated(built):
    r = built.get("/console/assets/index-abc123.js")
    assert r.status_code == 200 and r.data == b"console.log(1)"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert built.get("/console/favicon.svg").headers["Cache-Control"] == "no-cache"


def test_a_missing_asset_is_404_not_the_page(built):
    for path in ("/console/assets/gone-123.js", "/console/missing.css"):
        r = built.get(path)
        assert r.status_code == 404, path
        assert r.mimetype == "application/problem+json"


def test_nothing_outside_the_build_is_served(tmp_path):
    root = tmp_path / "dist"
    root.mkdir()
    (root / "index.html").write_text("app")
    (tmp_path / "secret.txt").write_text("secret")
    r = _app(root).test_client().get("/console/assets/../../secret.txt")
    assert r.status_code == 404 and b"secret" not in r.data


def test_bare_path_redirects_to_the_console(built):
    r = built.get("/console")
    assert r.status_code == 308 and r.headers["Location"].endswith("/console/")


def test_no_build_is_a_clear_503_not_a_crash(tmp_path):
    client = _app(tmp_path / "nothing-here").test_client()
    for path in ("/console/", "/console/today"):
        r = client.get(path)
        assert r.status_code == 503
        assert r.mimetype == "application/problem+json"
        assert r.json["type"].endswith("console-not-built") and "make console" in r.json["detail"]


def test_assets_go_gzipped_to_clients_that_take_it(tmp_path):
    import gzip
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("app")
    body = b"export const x = 1;\n" * 200
    (tmp_path / "assets" / "big-1.js").write_bytes(body)
    (tmp_path / "assets" / "big-1.js.gz").write_bytes(gzip.compress(body))
    client = _app(tmp_path).test_client()
    r = client.get("/console/assets/big-1.js", headers={"Accept-Encoding": "gzip, br"})
    assert r.headers["Content-Encoding"] == "gzip" and r.mimetype in ("text/javascript", "application/javascript")
    assert gzip.decompress(r.data) == body and r.headers["Vary"] == "Accept-Encoding"
    plain = client.get("/console/assets/big-1.js")
    assert "Content-Encoding" not in plain.headers and plain.data == body
