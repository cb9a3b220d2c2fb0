"""Every schema in a service's OpenAPI document has its own name.

When two marshmallow schemas share a class name, apispec renames one (``PlanOut1``) with
only a warning, and generated clients (the console's types) get a name that changes with
import order. Building each service's app must not warn.
"""
import warnings

import pytest

from tests.integration.conftest import _app


@pytest.mark.parametrize("service", ["customer", "engagement", "feedback"])
def test_no_two_schemas_share_a_name(service):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        app = _app(service)
        app.test_client().get("/api/openapi.json")
    clashes = [str(w.message) for w in seen if "Multiple schemas resolved" in str(w.message)]
    assert clashes == []
