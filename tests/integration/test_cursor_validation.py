"""Crafted cursors through a real service: 400 problem+json, never an operator in the query, never a 500."""
import base64
import json
import uuid

import pytest

from tests.integration.test_customer_profiles import BASE, create
from tests.support import as_user


def crafted(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def book(customer_app):
    c = customer_app.test_client()
    h = as_user("m-" + uuid.uuid4().hex[:8])
    ids = [create(c, h, name=f"游标{n}")["id"] for n in range(3)]
    return c, h, ids


@pytest.mark.parametrize("values", [
    [{"$gt": ""}, ""],            # as an equality value this is an operator: every row "after" it
    ["游标0", {"$ne": None}],
    [["a"], "x"],
    [{"a": {"b": [1]}}, "x"],
])
def test_a_crafted_list_cursor_is_a_400_problem(book, values):
    c, h, _ = book
    r = c.get(f"{BASE}?sort=name&cursor={crafted(values)}", headers=h)
    assert r.status_code == 400 and r.mimetype == "application/problem+json", r.get_json()
    assert r.get_json()["detail"] == "Invalid cursor."


def test_a_real_cursor_still_pages(book):
    # The validation refuses crafted cursors only: the one the service wrote still works.
    c, h, ids = book
    first = c.get(f"{BASE}?sort=name&limit=1&name=游标", headers=h).get_json()
    assert first["next_cursor"]
    second = c.get(f"{BASE}?sort=name&limit=1&name=游标&cursor={first['next_cursor']}", headers=h)
    assert second.status_code == 200 and second.get_json()["items"][0]["id"] != first["items"][0]["id"]


@pytest.mark.parametrize("values", [[{"$gt": 0}], [["1"]], ["seven"], [None], [], [1, 2]])
def test_a_crafted_history_cursor_is_a_400_problem(book, values):
    c, h, ids = book
    r = c.get(f"{BASE}/{ids[0]}/history?cursor={crafted(values)}", headers=h)
    assert r.status_code == 400 and r.mimetype == "application/problem+json", (values, r.get_json())
