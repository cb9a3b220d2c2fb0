"""The gateway's identity slice in-process on the real FerretDB and RabbitMQ: staff users as
a versioned aggregate publishing gateway.user.changed, login throttling by account and
address behind trusted proxies, sessions (logout, password change, refresh reuse), and the
audit of user administration."""
import json
import threading
import uuid
from datetime import timedelta

import jwt
import pytest

from gateway import sessions, users
from gateway.app import create_app
from gateway.auth import ensure_bootstrap_admin
from gateway.throttle import Throttle, TooManyAttempts
from tests import support

ADMIN = ("id-admin-" + uuid.uuid4().hex[:6], "id-admin-password-long")
PROXY = "10.20.0.5"                 # inside CRM_TRUSTED_PROXIES below
DEAD = f"http://127.0.0.1:{support.free_port(1)}"


@pytest.fixture(scope="module")
def gw():
    app = create_app(**support.overrides(), extra={
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1],
        "CRM_JWT_SECRET": support.SECRET + "-jwt-identity", "CRM_UPSTREAM_TIMEOUT": "0.5",
        "CRM_TRUSTED_PROXIES": "10.20.0.0/16, 192.0.2.1",
        **{f"CRM_{s.upper()}_URL": DEAD for s in ("customer", "engagement", "feedback")}})
    app.testing = True
    return app


def post_login(gw, username, password, peer="127.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return gw.test_client().post("/api/v1/auth/login", json={"username": username, "password": password},
                                 headers=headers, environ_base={"REMOTE_ADDR": peer})


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture(scope="module")
def admin_h(gw):
    r = post_login(gw, *ADMIN)
    assert r.status_code == 200, r.get_json()
    return bearer(r.get_json()["access_token"])


def make_user(gw, admin_h, role, **kw):
    name, pw = f"{role}-{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    r = gw.test_client().post("/api/v1/users", json={"username": name, "password": pw, "role": role, **kw},
                              headers=admin_h)
    assert r.status_code == 201, r.get_json()
    return r.get_json(), pw


def gateway_db():
    return support.db("gateway")


# --- (A) users publish gateway.user.changed, credentials stay out ------------------------------

def test_user_changes_are_versioned_and_published_without_credentials(gw, admin_h):
    tap = support.ExchangeTap("gateway.user.#")
    try:
        with support.running_worker("gateway"):
            c = gw.test_client()
            manager, m_pw = make_user(gw, admin_h, "manager", branch="b-evt")
            sup, s_pw = make_user(gw, admin_h, "supervisor", branch="b-evt")
            r = c.put(f"/api/v1/users/{sup['id']}/team", json={"team": [manager["id"]]}, headers=admin_h)
            assert r.status_code == 200, r.get_json()
            r = c.post(f"/api/v1/users/{manager['id']}/deactivate", headers=admin_h)
            assert r.status_code == 200 and r.get_json()["active"] is False
            # nothing changes, nothing is recorded or published
            assert c.post(f"/api/v1/users/{manager['id']}/deactivate", headers=admin_h).status_code == 200

            events = []

            def arrived():
                events.extend(m[2] for m in tap.messages())
                return {(e["subject"], e["subject_version"]) for e in events} >= {
                    (manager["id"], 2), (sup["id"], 2)}
            support.wait_for(arrived, what="the users' events on the exchange")
    finally:
        tap.close()
    mine = [e for e in events if e["subject"] in (manager["id"], sup["id"])]
    by = {(e["subject"], e["subject_version"]): e for e in mine}
    assert by[(manager["id"], 1)]["data"] == {"user_id": manager["id"], "role": "manager", "branch": "b-evt",
                                               "team": [], "active": True}
    assert by[(manager["id"], 2)]["data"]["active"] is False
    assert by[(sup["id"], 1)]["data"]["team"] == [] and by[(sup["id"], 2)]["data"]["team"] == [manager["id"]]
    assert (manager["id"], 3) not in by
    assert all(e["type"] == "gateway.user.changed" and e["source"] == "gateway" for e in mine)

    # history is the audit of administration, and no credential is in it or on the wire
    history = users.store.history(manager["id"])
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["diff"] == [{"field": "active", "old": True, "new": False}]
    assert history[0]["actor"]["role"] == "admin"
    records = list(gateway_db()["changes"].find()) + list(gateway_db()["outbox"].find())
    for text in (json.dumps(records, default=str), json.dumps(events)):
        for secret in (m_pw, s_pw, "$argon2", "password", "stamp"):
            assert secret not in text, secret
    for e in mine:
        assert "username" not in e["data"]
    # the hash lives in credentials, keyed by user id
    assert gateway_db()["credentials"].find_one({"_id": manager["id"]})["password_hash"].startswith("$argon2id$")
    assert "password_hash" not in gateway_db()["users"].find_one({"_id": manager["id"]})


def test_bootstrap_admin_is_created_once_through_the_store_even_by_racing_workers():
    name = "boot-" + uuid.uuid4().hex[:6]
    errors = []

    def start():
        try:
            ensure_bootstrap_admin(name, "boot-password-long")
        except Exception as exc:   # pragma: no cover - shown by the assertion
            errors.append(exc)
    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = list(gateway_db()["users"].find({"username": name}))
    assert len(found) == 1 and found[0]["version"] == 1 and found[0]["role"] == "admin"
    record = gateway_db()["outbox"].find_one({"_id": f"user:{found[0]['_id']}:1"}) \
        or gateway_db()["changes"].find_one({"_id": f"user:{found[0]['_id']}:1"})
    assert record["actor"] == {"user_id": "system:gateway", "role": "system"}
    assert record["events"][0]["type"] == "gateway.user.changed"


def test_users_from_before_the_store_are_adopted_and_keep_their_password(gw):
    uid, name, pw = str(uuid.uuid4()), "legacy-" + uuid.uuid4().hex[:6], "legacy-password-long"
    gateway_db()["users"].insert_one({"_id": uid, "username": name, "password_hash": users.hash_password(pw),
                                      "role": "manager", "branch": "b-old", "team": [], "can_unmask": False,
                                      "active": True})
    assert users.adopt_legacy_users() >= 1
    assert users.adopt_legacy_users() == 0       # idempotent
    doc = gateway_db()["users"].find_one({"_id": uid})
    assert doc["version"] == 1 and "password_hash" not in doc
    record = gateway_db()["outbox"].find_one({"_id": f"user:{uid}:1"}) \
        or gateway_db()["changes"].find_one({"_id": f"user:{uid}:1"})
    assert record["events"][0]["data"]["branch"] == "b-old" and "$argon2" not in json.dumps(record, default=str)
    assert post_login(gw, name, pw).status_code == 200


def test_unmask_is_granted_and_revoked_by_an_audited_admin_action(gw, admin_h):
    c = gw.test_client()
    branch = "b-" + uuid.uuid4().hex[:6]
    branch_admin, ba_pw = make_user(gw, admin_h, "admin", branch=branch)
    ba_h = bearer(post_login(gw, branch_admin["username"], ba_pw).get_json()["access_token"])
    manager, _ = make_user(gw, ba_h, "manager")
    outsider, _ = make_user(gw, admin_h, "manager", branch="elsewhere")

    r = c.put(f"/api/v1/users/{manager['id']}/unmask", json={"can_unmask": True}, headers=ba_h)
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = c.put(f"/api/v1/users/{manager['id']}/unmask", json={"can_unmask": True, "reason": "KYC review team"},
              headers=ba_h)
    assert r.status_code == 200 and r.get_json()["can_unmask"] is True
    assert c.put(f"/api/v1/users/{outsider['id']}/unmask", json={"can_unmask": True, "reason": "x" * 5},
                 headers=ba_h).status_code == 404
    assert c.put(f"/api/v1/users/{branch_admin['id']}/unmask", json={"can_unmask": True, "reason": "x" * 5},
                 headers=ba_h).status_code == 409
    assert c.put(f"/api/v1/users/{manager['id']}/unmask", json={"can_unmask": False, "reason": "left KYC"},
                 headers=ba_h).status_code == 200
    history = users.store.history(manager["id"])
    assert [(h["reason"], h["diff"]) for h in history[:2]] == [
        ("unmask right revoked: left KYC", [{"field": "can_unmask", "old": True, "new": False}]),
        ("unmask right granted: KYC review team", [{"field": "can_unmask", "old": False, "new": True}])]
    assert history[0]["actor"]["user_id"] == branch_admin["id"]


# --- (B) throttling: per account and address, proxies trusted by configuration --------------

def test_a_stranger_failing_from_another_address_does_not_lock_the_owner_out(gw, admin_h):
    owner, pw = make_user(gw, admin_h, "manager")
    codes = [post_login(gw, owner["username"], f"wrong-{i}", peer=PROXY, forwarded="203.0.113.9").status_code
             for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    refused = post_login(gw, owner["username"], pw, peer=PROXY, forwarded="203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0   # the stranger stays out
    # the owner, behind the same proxy from their own address, and directly
    assert post_login(gw, owner["username"], pw, peer=PROXY, forwarded="198.51.100.7").status_code == 200
    assert post_login(gw, owner["username"], pw, peer="198.51.100.20").status_code == 200
    # a chain of trusted proxies is walked from the right: the client is the first untrusted hop
    assert post_login(gw, owner["username"], pw, peer=PROXY,
                      forwarded="203.0.113.9, 198.51.100.7, 10.20.3.3").status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(gw, admin_h):
    owner, pw = make_user(gw, admin_h, "manager")
    attacker = "192.0.2.66"                   # not a trusted proxy
    codes = [post_login(gw, owner["username"], f"wrong-{i}", peer=attacker,
                        forwarded=f"198.51.100.{i}").status_code for i in range(7)]
    # rotating a forged header gains no extra guesses...
    assert codes == [401] * 5 + [429] * 2
    # ...and claiming the owner's address did not count against the owner there
    assert post_login(gw, owner["username"], pw, peer=PROXY, forwarded="198.51.100.3").status_code == 200
    assert post_login(gw, owner["username"], pw, peer="198.51.100.3").status_code == 200


def test_account_wide_guard_spares_known_addresses_and_per_address_limit_holds():
    db = gateway_db()
    t = Throttle(db["login_failures"], db["login_known"], per_pair=3, per_address=4, per_account=6,
                 window=timedelta(minutes=15))
    acct = "acct-" + uuid.uuid4().hex[:6]
    t.succeeded(t.begin(acct, "198.51.100.50"))           # the owner's usual address
    # distributed guessing: two failures from each of three addresses
    for addr in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        for _ in range(2):
            t.failed(t.begin(acct, addr))
    with pytest.raises(TooManyAttempts):                   # the seventh, from a new address, is refused
        t.begin(acct, "203.0.113.4")
    t.succeeded(t.begin(acct, "198.51.100.50"))            # the known address is not
    # one address spraying many accounts stops at the address limit
    sprayer = "203.0.113.200"
    for i in range(4):
        t.failed(t.begin(f"spray-{i}-{acct}", sprayer))
    with pytest.raises(TooManyAttempts):
        t.begin(f"spray-9-{acct}", sprayer)


# --- (C) sessions: logout, password change, refresh reuse ----------------------------------

def test_logout_ends_the_session_and_its_access_token_but_not_other_sessions(gw, admin_h):
    user, pw = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    phone = post_login(gw, user["username"], pw).get_json()
    web = post_login(gw, user["username"], pw).get_json()
    assert c.post("/api/v1/auth/logout", headers=bearer(phone["access_token"])).status_code == 204
    r = c.get("/api/v1/me", headers=bearer(phone["access_token"]))
    assert r.status_code == 401 and r.get_json()["detail"] == "Session ended."
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code == 401
    assert c.get("/api/v1/me", headers=bearer(web["access_token"])).status_code == 200
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": web["refresh_token"]}).status_code == 200
    assert c.post("/api/v1/auth/logout").status_code == 401


def test_password_change_needs_the_current_password_and_ends_every_session(gw, admin_h):
    user, pw = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    first = post_login(gw, user["username"], pw).get_json()
    second = post_login(gw, user["username"], pw).get_json()
    h = bearer(first["access_token"])
    r = c.post("/api/v1/auth/password", json={"current_password": "not-it", "new_password": "n" * 12}, headers=h)
    assert r.status_code == 422 and "current_password" in r.get_json()["errors"]
    r = c.post("/api/v1/auth/password", json={"current_password": pw, "new_password": "short"}, headers=h)
    assert r.status_code == 422 and "new_password" in r.get_json()["errors"]
    new_pw = "new-" + uuid.uuid4().hex
    r = c.post("/api/v1/auth/password", json={"current_password": pw, "new_password": new_pw}, headers=h)
    assert r.status_code == 200
    fresh = r.get_json()
    for old in (first, second):
        assert c.get("/api/v1/me", headers=bearer(old["access_token"])).status_code == 401
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}).status_code == 401
    assert c.get("/api/v1/me", headers=bearer(fresh["access_token"])).get_json()["id"] == user["id"]
    assert post_login(gw, user["username"], pw).status_code == 401
    assert post_login(gw, user["username"], new_pw).status_code == 200
    # the change is no user-administration event: no change record, no credential anywhere in history
    assert [h["version"] for h in users.store.history(user["id"])] == [1]


def test_a_reused_refresh_token_ends_its_whole_family(gw, admin_h):
    user, pw = make_user(gw, admin_h, "manager")
    c = gw.test_client()
    first = post_login(gw, user["username"], pw).get_json()
    other = post_login(gw, user["username"], pw).get_json()
    stolen = first["refresh_token"]
    thief = c.post("/api/v1/auth/refresh", json={"refresh_token": stolen}).get_json()   # the thief refreshes first
    r = c.post("/api/v1/auth/refresh", json={"refresh_token": stolen})                 # then the owner, same token
    assert r.status_code == 401 and "ended" in r.get_json()["detail"]
    # everything the family issued is dead, the thief's new tokens included
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": thief["refresh_token"]}).status_code == 401
    assert c.get("/api/v1/me", headers=bearer(thief["access_token"])).status_code == 401
    assert c.get("/api/v1/me", headers=bearer(first["access_token"])).status_code == 401
    # another sign-in of the same user is another family
    assert c.get("/api/v1/me", headers=bearer(other["access_token"])).status_code == 200
    assert sessions.is_revoked(jwt.decode(stolen, options={"verify_signature": False})["fam"], cached=False)


# --- (D) user administration in the merged audit ------------------------------------------

def test_audit_includes_user_administration_for_auditors_and_branch_admins(gw, admin_h):
    c = gw.test_client()
    branch = "b-" + uuid.uuid4().hex[:6]
    branch_admin, ba_pw = make_user(gw, admin_h, "admin", branch=branch)
    ba_h = bearer(post_login(gw, branch_admin["username"], ba_pw).get_json()["access_token"])
    mine, _ = make_user(gw, ba_h, "manager")
    c.put(f"/api/v1/users/{mine['id']}/unmask", json={"can_unmask": True, "reason": "branch KYC"}, headers=ba_h)
    outsider, _ = make_user(gw, admin_h, "manager", branch="elsewhere-" + branch)
    auditor, a_pw = make_user(gw, admin_h, "auditor")
    aud_h = bearer(post_login(gw, auditor["username"], a_pw).get_json()["access_token"])

    r = c.get("/api/v1/audit?limit=500", headers=aud_h)
    assert r.status_code == 200
    body = r.get_json()
    gw_items = [e for e in body["items"] if e["service"] == "gateway"]
    ids = {e["resource_id"] for e in gw_items}
    assert {mine["id"], outsider["id"]} <= ids
    grant = next(e for e in gw_items if e["resource_id"] == mine["id"] and e["action"] == "update")
    assert grant["fields"] == ["can_unmask"] and grant["purpose"] == "unmask right granted: branch KYC"
    assert grant["actor"]["user_id"] == branch_admin["id"] and grant["resource"] == "user"
    assert {m["service"] for m in body["missing"]} == {"customer", "engagement", "feedback"}   # all down here

    scoped = c.get("/api/v1/audit?limit=500", headers=ba_h).get_json()["items"]
    assert mine["id"] in {e["resource_id"] for e in scoped}
    assert {e["resource_id"] for e in scoped if e["service"] == "gateway"} <= {mine["id"], branch_admin["id"]}
    by_actor = c.get(f"/api/v1/audit?actor={branch_admin['id']}", headers=aud_h).get_json()["items"]
    assert {e["resource_id"] for e in by_actor} == {mine["id"]}
    assert c.get("/api/v1/audit?customer_id=c1", headers=aud_h).get_json()["items"] == []
