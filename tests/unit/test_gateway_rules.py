"""Gateway rules without servers: the access table, tokens, throttle maths, view composition, spec merge."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import jwt
import pytest

from chassis.errors import Problem
from gateway import compose, openapi, policy, tokens
from gateway.throttle import retry_after
from gateway.upstreams import Call, Outcome

SECRET = "unit-secret-long-enough-for-hmac-sha256-keys"
USER = SimpleNamespace(id="u1", role="manager")


# --- access policy -------------------------------------------------------------------

@pytest.mark.parametrize("role,method,path,expected", [
    (None, "POST", "/api/v1/auth/login", 0),
    (None, "GET", "/api/v1/customers/x", 401),
    ("manager", "GET", "/api/v1/customers/x", 0),
    ("auditor", "GET", "/api/v1/customers/x", 403),
    ("auditor", "GET", "/api/v1/audit", 0),
    ("manager", "GET", "/api/v1/audit", 403),
    ("manager", "POST", "/api/v1/users", 403),
    ("admin", "POST", "/api/v1/users", 0),
    ("manager", "GET", "/api/v1/views/team-dashboard", 403),
    ("supervisor", "GET", "/api/v1/views/team-dashboard", 0),
    ("manager", "GET", "/api/v1/tiers", 0),
    ("manager", "PUT", "/api/v1/tiers/rules", 403),
    ("admin", "PUT", "/api/v1/tiers/rules", 0),
    ("manager", "POST", "/api/v1/engagement/gifts", 403),
    ("manager", "GET", "/api/v1/engagement/gifts", 0),      # falls back to the /engagement rule
    ("manager", "POST", "/api/v1/engagement/gifts/g1/restock", 403),
    ("manager", "POST", "/api/v1/engagement/gifts/g1/issues", 0),   # a wildcard segment, more specific
    ("supervisor", "GET", "/api/v1/managers/team", 0),
    ("manager", "GET", "/api/v1/managers/team", 403),
    ("manager", "GET", "/api/v1/managers/m1/customers", 0),
    ("manager", "PUT", "/api/v1/feedback/settings/sla", 403),
    ("manager", "GET", "/api/v1/customersXYZ", 404),         # prefixes match whole segments
    ("admin", "GET", "/api/v1/nowhere", 404),
    ("manager", "DELETE", "/api/v1/me", 405),
])
def test_policy_decides_each_role_and_route(role, method, path, expected):
    assert policy.decide(role, method, path) == expected


def test_every_rule_names_known_roles_and_methods():
    for rule in policy.RULES:
        assert rule.prefix.startswith("/api/v1/")
        assert set(rule.methods) <= set(policy.ALL)
        assert rule.roles == policy.PUBLIC or set(rule.roles) <= set(policy.ANY)


def test_every_routed_prefix_has_a_rule():
    from gateway.upstreams import ROUTES
    for prefix in ROUTES:
        assert policy.match("GET", f"/api/v1/{prefix}") is not None, prefix


# --- tokens --------------------------------------------------------------------------

def test_token_round_trip_and_type():
    claims = tokens.verify(tokens.issue(USER, SECRET, 60), SECRET)
    assert claims["sub"] == "u1" and claims["typ"] == "access"
    with pytest.raises(Problem) as e:
        tokens.verify(tokens.issue(USER, SECRET, 60, kind="refresh"), SECRET)   # refresh is no access token
    assert e.value.status == 401


def test_expired_token_is_401():
    with pytest.raises(Problem) as e:
        tokens.verify(tokens.issue(USER, SECRET, -5), SECRET)
    assert e.value.status == 401 and "expired" in e.value.detail.lower()


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),                 # signature
    lambda t: jwt.encode({**jwt.decode(t, options={"verify_signature": False}), "role": "admin"},
                         "guessed-secret-also-long-enough-for-hs256-x", algorithm="HS256"),  # re-signed
    lambda t: jwt.encode(jwt.decode(t, options={"verify_signature": False}), None, algorithm="none"),
])
def test_tampered_token_is_401(tamper):
    with pytest.raises(Problem) as e:
        tokens.verify(tamper(tokens.issue(USER, SECRET, 60)), SECRET)
    assert e.value.status == 401


# --- throttle ------------------------------------------------------------------------

def test_retry_after_counts_until_the_oldest_needed_failure_leaves_the_window():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    window = timedelta(minutes=15)
    times = [now - timedelta(minutes=m) for m in (10, 8, 5, 1, 0)]
    assert retry_after(times, 5, now, window) == 5 * 60           # the 10-minute-old one expires first
    assert retry_after(times[1:], 5, now, window) == 0             # under the limit
    old = [now - timedelta(minutes=20)] + times[1:]
    assert retry_after(old, 5, now, window) == 0                   # outside the window does not count
    assert retry_after(times + [now], 5, now, window) == 7 * 60    # six in window: the two oldest must go


# --- composition ---------------------------------------------------------------------

def _out(part, service, status=200, body=None, reason=None):
    if reason is None and status != 200:
        reason = f"error {status}"
    return Outcome(Call(part, service, "/x"), status, body, reason)


def test_customer_360_merges_parts_and_lists_what_is_missing():
    outcomes = {
        "profile": _out("profile", "customer", body={"id": "c1", "tier": "gold", "risk_level": "C3",
                                                     "risk_valid_until": "2027-01-01"}),
        "engagement": _out("engagement", "engagement", None, reason="timeout"),
        "feedback": _out("feedback", "feedback", body={"open_complaints": [{"id": "k"}], "latest_satisfaction": None}),
    }
    v = compose.customer_360("c1", outcomes)
    assert v["tier"] == "gold" and v["risk_level"] == "C3" and v["profile"]["id"] == "c1"
    assert v["open_complaints"] == [{"id": "k"}] and v["recent_visits"] is None
    assert v["missing"] == [{"part": "engagement", "service": "engagement", "reason": "timeout",
                             "fields": ["recent_interactions", "recent_visits", "upcoming_care", "account_reminders"]}]


def test_customer_360_is_404_when_the_owner_service_says_so():
    outcomes = {"profile": _out("profile", "customer", 404),
                "engagement": _out("engagement", "engagement", body={}),
                "feedback": _out("feedback", "feedback", body={})}
    with pytest.raises(Problem) as e:
        compose.customer_360("c1", outcomes)
    assert e.value.status == 404
    outcomes["profile"] = _out("profile", "customer", None, reason="unavailable")
    outcomes["engagement"] = _out("engagement", "engagement", 404)
    outcomes["feedback"] = _out("feedback", "feedback", 404)
    with pytest.raises(Problem):
        compose.customer_360("c1", outcomes)


def test_worklist_and_dashboard_merge_sections_per_service():
    wl = compose.worklist("m1", "2026-05-01", {
        "customer": _out("customer", "customer", body={"risk_expiring": [1, 2], "reverification_due": []}),
        "engagement": _out("engagement", "engagement", 503),
        "feedback": _out("feedback", "feedback", body={"complaints_near_breach": [3], "complaints_breached": []}),
    })
    assert wl["risk_expiring"] == [1, 2] and wl["greetings_due"] is None
    assert wl["counts"] == {"risk_expiring": 2, "reverification_due": 0, "complaints_near_breach": 1,
                            "complaints_breached": 0}
    assert [m["reason"] for m in wl["missing"]] == ["error 503"]

    db = compose.team_dashboard(["m1", "m2"], {"m1": "alice"}, "2026-01-01", "2026-01-31", {
        "customer": _out("customer", "customer", body={"tier_distribution": {"gold": 3},
                                                       "per_manager": {"m1": {"customers": 3}}}),
        "engagement": _out("engagement", "engagement", None, reason="unavailable"),
        "feedback": _out("feedback", "feedback", body={"complaint_sla": {"open": 1}, "satisfaction_trend": [],
                                                       "per_manager": {"m2": {"open": 1}}}),
    })
    assert db["tier_distribution"] == {"gold": 3} and db["contact_coverage"] is None
    assert db["per_manager"]["m1"] == {"username": "alice", "customer": {"customers": 3},
                                       "engagement": None, "feedback": {}}
    assert db["per_manager"]["m2"]["feedback"] == {"open": 1}
    assert db["missing"][0]["service"] == "engagement"


def test_the_worklist_and_360_pass_on_every_list_the_services_answer():
    """Work the services already know about reaches the views: follow-ups due, next best actions,
    never-assessed customers, unanswered follow-up surveys (回访), and the 360's account reminders."""
    nba = [{"customer_id": "c1", "score": {"total": 9.0}, "reasons": [{"code": "never_contacted"}]}]
    wl = compose.worklist("m1", "2026-05-01", {
        "customer": _out("customer", "customer", body={"risk_expiring": [], "risk_missing": [{"customer_id": "c1"}],
                                                       "reverification_due": []}),
        "engagement": _out("engagement", "engagement", body={"follow_ups_due": [{"id": "i1"}],
                                                           "next_best_actions": nba, "greetings_due": []}),
        "feedback": _out("feedback", "feedback", body={"follow_up_surveys": [{"invitation_id": "v1"}]}),
    })
    assert wl["follow_ups_due"] == [{"id": "i1"}] and wl["next_best_actions"] == nba
    assert wl["risk_missing"] == [{"customer_id": "c1"}] and wl["follow_up_surveys"] == [{"invitation_id": "v1"}]
    assert {k: wl["counts"][k] for k in ("follow_ups_due", "next_best_actions", "risk_missing",
                                         "follow_up_surveys")} == dict.fromkeys(
        ("follow_ups_due", "next_best_actions", "risk_missing", "follow_up_surveys"), 1)
    v = compose.customer_360("c1", {
        "profile": _out("profile", "customer", body={"id": "c1"}),
        "engagement": _out("engagement", "engagement", body={"account_reminders": [{"id": "r1"}]}),
        "feedback": _out("feedback", "feedback", body={})})
    assert v["account_reminders"] == [{"id": "r1"}]


def test_audit_merges_newest_first_and_limits():
    outcomes = {
        "customer": _out("customer", "customer", body=[{"at": "2026-01-01T10:00:00+00:00", "action": "update"},
                                                       {"at": "2026-01-01T08:00:00+00:00", "action": "create"}]),
        "engagement": _out("engagement", "engagement",
                           body=[{"at": "2026-01-01T09:00:00+00:00", "action": "read_unmasked"}]),
        "feedback": _out("feedback", "feedback", None, reason="timeout"),
    }
    merged = compose.audit(outcomes, limit=2)
    assert [(e["service"], e["action"]) for e in merged["items"]] == [("customer", "update"),
                                                                     ("engagement", "read_unmasked")]
    assert merged["missing"] == [{"part": "feedback", "service": "feedback", "reason": "timeout"}]


# --- OpenAPI merge -------------------------------------------------------------------

def test_openapi_merge_keeps_every_path_and_renames_clashing_schemas():
    own = {"openapi": "3.0.3", "info": {"title": "t"}, "paths": {"/api/v1/me": {}, "/api/v1/audit": {"get": {}}},
           "components": {"schemas": {"Error": {"type": "object"}}}}
    svc = {"paths": {"/api/v1/customers": {"get": {"responses": {"200": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}}}}, "/api/v1/audit": {"get": {"x": 1}}},
        "components": {"schemas": {"Error": {"type": "string"}, "Customer": {"type": "object"}}},
        "tags": [{"name": "customers"}]}
    merged = openapi.merge(own, {"customer": svc, "feedback": None})
    assert set(merged["paths"]) == {"/api/v1/me", "/api/v1/audit", "/api/v1/customers"}
    assert merged["paths"]["/api/v1/audit"] == {"get": {}}          # the gateway's merged audit wins
    assert merged["components"]["schemas"]["Error"] == {"type": "object"}
    assert merged["components"]["schemas"]["CustomerError"] == {"type": "string"}
    ref = merged["paths"]["/api/v1/customers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/CustomerError"}
    assert merged["info"]["x-missing-services"] == ["feedback"]


def test_openapi_merge_leaves_out_service_to_service_paths():
    svc = {"paths": {"/api/v1/customers": {"get": {}},
                     "/internal/v1/customers/{customer_id}/snapshot": {"get": {}}}}
    merged = openapi.merge({"paths": {}}, {"customer": svc})
    assert set(merged["paths"]) == {"/api/v1/customers"}   # the gateway never routes /internal


def _ok(schema: dict) -> dict:
    return {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}


def test_a_composed_field_takes_the_schema_its_service_documents():
    spec = {"paths": {
        "/api/v1/things/{id}": {"get": _ok({"$ref": "#/components/schemas/Thing"})},
        "/api/v1/things/stats": {"get": _ok({"$ref": "#/components/schemas/Stats"})}},
        "components": {"schemas": {
            "Thing": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
            "Stats": {"type": "object", "properties": {"per_manager": {
                "type": "object", "additionalProperties": {"$ref": "#/components/schemas/Figures"}}}},
            "Figures": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "View": {"type": "object", "properties": {
                "thing": {"type": "object", "description": "d",
                          "x-upstream": {"operation": "GET /api/v1/things/{id}", "pointer": ""}},
                "tags": {"type": "array", "items": {}, "x-upstream": {"operation": "GET /api/v1/things/{id}",
                                                                     "pointer": "/properties/tags"}},
                "mine": {"x-upstream": {"operation": "GET /api/v1/things/stats",
                                        "pointer": "/properties/per_manager/additionalProperties"}},
                "gone": {"type": "object", "x-upstream": {"operation": "GET /api/v1/nowhere", "pointer": ""}},
            }}}}}
    props = openapi._link_upstream(spec)["components"]["schemas"]["View"]["properties"]
    assert props["thing"]["allOf"] == [{"$ref": "#/components/schemas/Thing"}]
    assert props["thing"]["nullable"] is True and props["thing"]["description"] == "d"
    assert props["tags"]["items"] == {"type": "string"} and props["tags"]["nullable"] is True
    assert props["mine"]["allOf"] == [{"$ref": "#/components/schemas/Figures"}]
    assert props["gone"] == {"type": "object", "x-upstream": {"operation": "GET /api/v1/nowhere", "pointer": ""}}
    # the service's own schema is not touched by the nullable copy
    assert "nullable" not in spec["components"]["schemas"]["Thing"]["properties"]["tags"]


def test_operations_the_route_table_restricts_document_403_and_their_roles():
    spec = {"paths": {p: {"get": {"responses": {}}, "post": {"responses": {}}} for p in (
        "/api/v1/me", "/api/v1/users/{user_id}", "/api/v1/engagement/gifts/{gift_id}/issues")}}
    spec["paths"]["/api/v1/auth/login"] = {"post": {"responses": {}}}
    spec = openapi._restricted(openapi._security(spec))
    ops = {(m, p): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert "403" not in ops[("get", "/api/v1/me")]["responses"]            # every role may
    assert "403" not in ops[("post", "/api/v1/auth/login")]["responses"]   # public
    assert ops[("post", "/api/v1/auth/login")]["security"] == []
    assert ops[("get", "/api/v1/users/{user_id}")]["responses"]["403"] == {"$ref": "#/components/responses/FORBIDDEN"}
    # a {param} segment matches the table's '*': managers give gifts, only admins stock them
    assert ops[("post", "/api/v1/engagement/gifts/{gift_id}/issues")]["x-roles"] == ["manager", "supervisor", "admin"]
    assert spec["components"]["responses"]["FORBIDDEN"]["content"]["application/problem+json"]


def test_forwarded_operations_document_the_gateways_503_and_504():
    spec = {"paths": {"/api/v1/me": {"get": {"responses": {}}}, "/api/v1/customers": {"get": {"responses": {}}}}}
    spec = openapi._proxied(spec, own_paths={"/api/v1/me"})
    assert spec["paths"]["/api/v1/me"]["get"]["responses"] == {}
    assert spec["paths"]["/api/v1/customers"]["get"]["responses"] == {
        "503": {"$ref": "#/components/responses/SERVICE_UNAVAILABLE"},
        "504": {"$ref": "#/components/responses/GATEWAY_TIMEOUT"}}
    assert set(spec["components"]["responses"]) == {"SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"}


def test_booleans_in_bodies_are_json_booleans():
    from marshmallow import ValidationError

    from gateway.useradmin import UnmaskIn
    assert UnmaskIn().load({"can_unmask": True, "reason": "audit"})["can_unmask"] is True
    for wrong in (1, 0, "true", "yes", None):
        with pytest.raises(ValidationError):
            UnmaskIn().load({"can_unmask": wrong, "reason": "audit"})


# --- client address behind trusted proxies -------------------------------------------

from gateway.clientaddr import client_address, parse_networks  # noqa: E402

TRUSTED = parse_networks("10.0.0.0/8, 192.0.2.1, ::1")


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("198.51.100.9", "1.2.3.4", "198.51.100.9"),               # untrusted peer: header ignored
    ("10.0.0.2", "1.2.3.4", "1.2.3.4"),                         # trusted proxy: its client
    ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),                # client-written hops to the left are ignored
    ("10.0.0.2", "1.2.3.4, 10.0.0.3", "1.2.3.4"),               # a chain of our proxies is walked
    ("10.0.0.2", "1.2.3.4, not-an-ip", "10.0.0.2"),             # garbage: the proxy's own view
    ("10.0.0.2", None, "10.0.0.2"),
    ("::1", "2001:db8::7", "2001:db8::7"),
])
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(peer, forwarded, expected):
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_no_trusted_proxies_by_default_and_bad_entries_are_refused():
    assert parse_networks("") == () and client_address("10.0.0.2", "1.2.3.4", ()) == "10.0.0.2"
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/8, proxy.example")
