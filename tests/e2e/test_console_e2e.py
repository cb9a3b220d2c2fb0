"""The console's sign-in through the gateway: the refresh token as an httpOnly cookie.

Cookie attributes; a reload's refresh from the cookie (rotated, single-use); reuse of a
spent cookie ends the session; the CSRF header is required (a cross-site form cannot send
it, and without it nothing is spent); logout ends the session and clears the cookie; the
mobile clients' JSON refresh is untouched. Also: the built console is served at /console/,
the offline contract export equals the served document, and an unmask purpose may be sent
percent-encoded (a browser cannot send Chinese in a header).
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import requests

from tests import support
from tests.e2e import test_gateway_e2e

PREFIX = "/api/v1/auth/console"
HEADER = {"X-CRM-Console": "1"}
COOKIE = "crm_console_refresh"


def _user(admin, **kw):
    return support.new_user(admin, "manager", **kw)


def _login(gateway_url, user) -> requests.Response:
    return requests.post(gateway_url + PREFIX + "/login", headers=HEADER, timeout=30,
                         json={"username": user.user["username"], "password": user.password})


def _cookie(resp: requests.Response) -> str:
    m = re.search(rf"{COOKIE}=([^;]*)", resp.headers.get("Set-Cookie", ""))
    assert m, resp.headers
    return m.group(1)


def _refresh(gateway_url, cookie: str | None, header: bool = True) -> requests.Response:
    return requests.post(gateway_url + PREFIX + "/refresh", headers=HEADER if header else {},
                         cookies={COOKIE: cookie} if cookie else {}, timeout=30)


def _me(gateway_url, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(gateway_url + "/api/v1/me", headers=headers, timeout=30).status_code


def test_login_sets_an_httponly_strict_cookie_on_the_refresh_path_only(gateway_url, admin):
    user = _user(admin)
    r = _login(gateway_url, user)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}, "the refresh token is never in the body"
    cookie = r.headers["Set-Cookie"]
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")}
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "samesite=strict"
    assert attrs["path"] == f"Path={PREFIX}"
    assert attrs["max-age"] == "Max-Age=28800"
    assert r.headers["Cache-Control"] == "no-store"
    assert _me(gateway_url, body["access_token"]) == 200


def test_refresh_from_the_cookie_rotates_it_and_a_reused_one_ends_the_session(gateway_url, admin):
    user = _user(admin)
    first = _cookie(_login(gateway_url, user))
    r = _refresh(gateway_url, first)   # a reload of the console
    assert r.status_code == 200, r.text
    second = _cookie(r)
    assert second != first
    access = r.json()["access_token"]
    assert _me(gateway_url, access) == 200
    # The spent cookie again (someone else holds the chain): 401, the cookie removed, and
    # the whole session ends — the current cookie and access token too.
    replay = _refresh(gateway_url, first)
    assert replay.status_code == 401 and replay.headers["Content-Type"].startswith("application/problem+json")
    assert "Max-Age=0" in replay.headers["Set-Cookie"] or "expires=Thu, 01 Jan 1970" in replay.headers["Set-Cookie"]
    assert _refresh(gateway_url, second).status_code == 401
    support.wait_for(lambda: _me(gateway_url, access) == 401, timeout=5, what="the session's access token to stop")


def test_without_the_console_header_the_cookie_is_refused_and_not_spent(gateway_url, admin):
    user = _user(admin)
    cookie = _cookie(_login(gateway_url, user))
    # What a cross-site form post could do: the cookie (were it sent at all) without the header.
    r = _refresh(gateway_url, cookie, header=False)
    assert r.status_code == 403 and r.json()["type"].endswith("console-header-required")
    assert "Set-Cookie" not in r.headers
    assert requests.post(gateway_url + PREFIX + "/login", timeout=30,
                         json={"username": user.user["username"], "password": user.password}).status_code == 403
    assert _refresh(gateway_url, cookie).status_code == 200, "the refused call did not spend the cookie"


def test_refresh_without_a_cookie_or_with_a_forged_one_is_401(gateway_url, admin):
    assert _refresh(gateway_url, None).status_code == 401
    r = _refresh(gateway_url, "not-a-token")
    assert r.status_code == 401
    user = _user(admin)
    access = _login(gateway_url, user).json()["access_token"]
    assert _refresh(gateway_url, access).status_code == 401, "an access token is no refresh token"


def test_logout_ends_the_session_and_clears_the_cookie(gateway_url, admin):
    user = _user(admin)
    login = _login(gateway_url, user)
    cookie, access = _cookie(login), login.json()["access_token"]
    r = requests.post(gateway_url + PREFIX + "/logout", headers={**HEADER, "Authorization": f"Bearer {access}"},
                      cookies={COOKIE: cookie}, timeout=30)
    assert r.status_code == 204
    cleared = r.headers["Set-Cookie"]
    assert cleared.startswith(f"{COOKIE}=;") and f"Path={PREFIX}" in cleared
    assert _refresh(gateway_url, cookie).status_code == 401
    support.wait_for(lambda: _me(gateway_url, access) == 401, timeout=5, what="the access token to stop")
    # Signing out again (nothing left to end) is still 204.
    again = requests.post(gateway_url + PREFIX + "/logout", headers=HEADER, cookies={COOKIE: cookie}, timeout=30)
    assert again.status_code == 204


def test_the_mobile_clients_json_refresh_still_works(gateway_url, admin):
    user = _user(admin)
    r = requests.post(gateway_url + "/api/v1/auth/login", timeout=30,
                      json={"username": user.user["username"], "password": user.password})
    assert r.status_code == 200 and "refresh_token" in r.json() and "Set-Cookie" not in r.headers
    r2 = requests.post(gateway_url + "/api/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]},
                       timeout=30)
    assert r2.status_code == 200 and _me(gateway_url, r2.json()["access_token"]) == 200


def test_the_offline_contract_export_is_the_served_document(gateway_url):
    from tools import openapi_export
    served = requests.get(gateway_url + "/api/openapi.json", timeout=30).json()
    assert "x-missing-services" not in served["info"]
    exported = json.loads(json.dumps(openapi_export.export()))   # as JSON, like the served one
    assert exported == served


def test_a_percent_encoded_unmask_purpose_is_read_as_text(gateway_url, admin):
    owner = _user(admin, can_unmask=True)
    mobile = test_gateway_e2e.mobile()
    cid = support.register_customer(owner, mobile=mobile)
    purpose = "核对客户身份"
    r = owner.get(f"/api/v1/customers/{cid}", headers={"X-Unmask-Purpose": quote(purpose)})
    assert r.status_code == 200 and r.json()["masked"] is False and r.json()["mobile"] == mobile
    trail = admin.get("/api/v1/audit", params={"customer_id": cid}).json()["items"]
    assert any(e["action"] == "read_unmasked" and e["purpose"] == purpose for e in trail), trail
    # Someone else's customer stays out of reach, purpose or not.
    other = _user(admin, can_unmask=True)
    assert other.get(f"/api/v1/customers/{cid}", headers={"X-Unmask-Purpose": quote(purpose)}).status_code == 404
