"""The gateway's identity slice through the real processes: the gateway worker publishes
staff users' changes, sessions end across gunicorn workers, and the login throttle sees
clients behind the (trusted) proxy the tests play."""
import uuid

import requests

from tests import support


def _login(base, username, password, forwarded=None):
    return requests.post(base + "/api/v1/auth/login", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": forwarded} if forwarded else {}, timeout=30)


def _create(admin, role, **kw):
    name, pw = f"{role}-{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    r = admin.post("/api/v1/users", json={"username": name, "password": pw, "role": role, **kw})
    assert r.status_code == 201, r.text
    return r.json(), pw


def test_the_gateway_worker_publishes_user_changes_without_credentials(suite, admin):
    tap = support.ExchangeTap("gateway.user.changed")
    try:
        manager, m_pw = _create(admin, "manager")
        sup, s_pw = _create(admin, "supervisor")
        assert admin.put(f"/api/v1/users/{sup['id']}/team", json={"team": [manager["id"]]}).status_code == 200
        assert admin.post(f"/api/v1/users/{manager['id']}/deactivate").status_code == 200
        events = []

        def arrived():
            events.extend(m[2] for m in tap.messages())
            return {(e["subject"], e["subject_version"]) for e in events} >= {(manager["id"], 2), (sup["id"], 2)}
        support.wait_for(arrived, timeout=20, what="the gateway worker to publish the users' events")
    finally:
        tap.close()
    latest = {e["subject"]: e["data"] for e in sorted(events, key=lambda e: e["subject_version"])}
    assert latest[manager["id"]]["active"] is False and latest[sup["id"]]["team"] == [manager["id"]]
    text = repr(events) + "".join(p.read_text(errors="replace") for p in suite.log_dir.iterdir())
    for secret in (m_pw, s_pw, "$argon2"):
        assert secret not in text


def test_logout_and_password_change_end_sessions_on_every_worker(admin, gateway_url):
    user, pw = _create(admin, "manager")
    first = _login(gateway_url, user["username"], pw).json()
    second = _login(gateway_url, user["username"], pw).json()

    def me(tok):
        return requests.get(gateway_url + "/api/v1/me", headers={"Authorization": f"Bearer {tok}"}, timeout=30)
    r = requests.post(gateway_url + "/api/v1/auth/logout", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert r.status_code == 204
    # two gunicorn workers: the other one notices within its 2 s cache
    support.wait_for(lambda: all(me(first["access_token"]).status_code == 401 for _ in range(4)),
                     timeout=10, what="the logout on every worker")
    assert me(second["access_token"]).status_code == 200
    new_pw = "new-" + uuid.uuid4().hex
    r = requests.post(gateway_url + "/api/v1/auth/password", json={"current_password": pw, "new_password": new_pw},
                      headers={"Authorization": f"Bearer {second['access_token']}"})
    assert r.status_code == 200
    support.wait_for(lambda: all(me(second["access_token"]).status_code == 401 for _ in range(4)),
                     timeout=10, what="the password change on every worker")
    assert requests.post(gateway_url + "/api/v1/auth/refresh",
                         json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert me(r.json()["access_token"]).status_code == 200
    assert _login(gateway_url, user["username"], new_pw).status_code == 200


def test_a_stranger_behind_the_proxy_cannot_lock_the_owner_out(admin, gateway_url):
    user, pw = _create(admin, "manager")
    codes = [_login(gateway_url, user["username"], f"nope-{i}", forwarded="203.0.113.77").status_code
             for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert _login(gateway_url, user["username"], pw, forwarded="198.51.100.77").status_code == 200
