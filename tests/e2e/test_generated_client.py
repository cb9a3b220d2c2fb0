"""A client generated from the merged OpenAPI document builds and works.

At test time the document served by the e2e suite's gateway goes through
openapi-python-client (pinned in pyproject's test extras) into a temporary package, with
warnings treated as failures (a skipped operation or model means the document is wrong);
the package is imported and signs in, reads the signed-in user, a customer and the
customer 360 view through the gateway, each answer parsed into its generated type.
Nothing generated is committed.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests import support
from tests.e2e import test_gateway_e2e

BIN = Path(sys.executable).parent
PACKAGE = "crm_api_client"


@pytest.fixture(scope="module")
def generated(gateway_url, tmp_path_factory):
    work = tmp_path_factory.mktemp("generated-client")
    spec = work / "openapi.json"
    r = requests.get(gateway_url + "/api/openapi.json", timeout=30)
    assert r.status_code == 200 and "x-missing-services" not in r.json()["info"], r.text[:500]
    spec.write_bytes(r.content)
    # The generator formats its output with ruff from the same environment.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The import's CSV and JSON-lines bodies are files to the generator (it knows no text/csv).
    config = work / "config.yaml"
    config.write_text("content_type_overrides:\n  text/csv: application/octet-stream\n"
                      "  application/x-ndjson: application/octet-stream\n")
    proc = subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", str(spec),
                           "--config", str(config), "--output-path", str(work / PACKAGE), "--meta", "none"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=work)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Warning" not in out, out   # e.g. "Cannot parse response", "Could not find reference"
    sys.path.insert(0, str(work))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_generated_client_signs_in_and_reads_typed_answers(generated, gateway_url, admin):
    manager = support.new_user(admin, "manager")
    username = manager.user["username"]
    cid = test_gateway_e2e.register(manager)
    # The password support.new_user made is not kept; give the generated client its own user.
    password = "gen-client-password-1"
    r = admin.post("/api/v1/users", json={"username": f"gen-{username}", "password": password, "role": "manager"})
    assert r.status_code == 201, r.text
    client_mod, models = generated("client"), generated("models")
    login = generated("api.auth.post_api_v1_auth_login")
    me = generated("api.auth.get_api_v1_me")

    anonymous = client_mod.Client(base_url=gateway_url, raise_on_unexpected_status=True)
    tokens = login.sync(client=anonymous, body=models.LoginIn(username=f"gen-{username}", password=password))
    assert isinstance(tokens, models.TokensOut), tokens
    assert tokens.token_type == "Bearer" and tokens.expires_in > 0

    client = client_mod.AuthenticatedClient(base_url=gateway_url, token=tokens.access_token,
                                            raise_on_unexpected_status=True)
    who = me.sync(client=client)
    assert isinstance(who, models.UserOut), who
    assert who.username == f"gen-{username}" and who.role == "manager" and who.active is True

    # A wrong password is a typed problem, not an exception or a bare dict.
    refused = login.sync(client=anonymous, body=models.LoginIn(username=f"gen-{username}", password="wrong-password"))
    assert isinstance(refused, models.Problem) and refused.status == 401, refused

    # The customer's own manager reads it: typed profile, and the composed customer 360.
    as_owner = client_mod.AuthenticatedClient(base_url=gateway_url, token=manager.s.headers["Authorization"][7:],
                                              raise_on_unexpected_status=True)
    get_customer = generated("api.customers.get_api_v1_customers_customer_id")
    customer = get_customer.sync(client=as_owner, customer_id=cid)
    assert isinstance(customer, models.CustomerOut), customer
    assert customer.id == cid and customer.name.startswith("客户")

    c360 = generated("api.views.get_api_v1_views_customer_360_customer_id").sync(client=as_owner, customer_id=cid)
    assert isinstance(c360, models.Customer360View), c360
    assert c360.customer_id == cid
    assert c360.profile is not None and c360.profile.id == cid

    # Another manager's customer is a typed 404.
    other = get_customer.sync(client=client, customer_id=cid)
    assert isinstance(other, models.Problem) and other.status == 404, other
