"""Path normalisation before the gateway's routing and policy (gateway/paths.py)."""
import pytest

from chassis.errors import Problem
from chassis.identity import MANAGER
from gateway import policy
from gateway.paths import NormalisedPaths, normalise
from gateway.upstreams import segment


@pytest.mark.parametrize("raw, norm", [
    ("/api/v1/customers/c1", "/api/v1/customers/c1"),
    ("/api/v1/customers/", "/api/v1/customers/"),
    ("/", "/"),
    ("", "/"),
    ("/api/v1/engagement/gifts/x/issues/../../../budgets", "/api/v1/engagement/budgets"),
    ("/api/v1/engagement/gifts/x/issues/./../../../budgets", "/api/v1/engagement/budgets"),
    ("/api/v1/engagement//budgets", "/api/v1/engagement/budgets"),
    ("/api/v1/customers/../users", "/api/v1/users"),
    ("/api/v1/customers/c1/..", "/api/v1/customers/"),
    ("/api/v1/../../../../healthz", "/healthz"),          # never above the root
    ("/..", "/"),
    ("/api/v1/customers/...", "/api/v1/customers/..."),  # not a dot segment
    ("/api/v1/customers/%2e%2e", "/api/v1/customers/%2e%2e"),  # still encoded: a name, not a dot segment
])
def test_normalise(raw, norm):
    assert normalise(raw) == norm
    assert normalise(norm) == norm      # idempotent


@pytest.mark.parametrize("raw", [
    "/api/v1/engagement/gifts/x/issues/../../../budgets",
    "/api/v1/engagement/gifts/x/issues/../../budgets/../../budgets",
    "/api/v1/engagement//budgets",
    "/api/v1/engagement/./budgets",
])
def test_the_policy_judges_the_normalised_path(raw):
    # A manager may issue gifts but not write budgets. On the raw path the table sees a
    # gift issue (or the /engagement catch-all) and lets it in; the upstream call would
    # land on budgets. So the table must only ever be given the normalised path.
    assert policy.decide(MANAGER, "POST", raw) == 0
    assert policy.decide(MANAGER, "POST", normalise(raw)) == 403


def test_the_middleware_rewrites_path_info_before_the_app_sees_it():
    seen = {}

    def app(environ, start_response):
        seen["path"] = environ["PATH_INFO"]
        return []

    NormalisedPaths(app)({"PATH_INFO": "/api/v1/engagement/gifts/x/issues/../../../budgets"}, None)
    assert seen["path"] == "/api/v1/engagement/budgets"
    NormalisedPaths(app)({"PATH_INFO": "/api/v1/customers/c1"}, None)
    assert seen["path"] == "/api/v1/customers/c1"


@pytest.mark.parametrize("value, encoded", [
    ("c1", "c1"),
    ("x/../../audit", "x%2F..%2F..%2Faudit"),
    ("a?b=c", "a%3Fb%3Dc"),
    ("a#b", "a%23b"),
    ("a%2e", "a%252e"),
    ("客户", "%E5%AE%A2%E6%88%B7"),
])
def test_an_id_becomes_exactly_one_encoded_segment(value, encoded):
    assert segment(value) == encoded


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_ids_are_not_found(value):
    with pytest.raises(Problem) as e:
        segment(value, "customer")
    assert e.value.status == 404
