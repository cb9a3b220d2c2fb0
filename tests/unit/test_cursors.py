"""Cursors carry sort values only: a crafted one is 400, never a query operator."""
import base64
import json
from datetime import date, datetime

import pytest

from chassis.errors import Problem
from chassis.http import decode_cursor, encode_cursor, keyset_filter


def crafted(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_what_encode_cursor_writes_comes_back():
    values = ["王", 3, -2.5, None, True, datetime(2026, 1, 2, 3, 4, 5), "id-1"]
    assert decode_cursor(encode_cursor(values)) == values
    assert decode_cursor(encode_cursor([date(2026, 5, 1)])) == [datetime(2026, 5, 1)]
    assert decode_cursor(encode_cursor(["a", "b"]), 2) == ["a", "b"]


@pytest.mark.parametrize("values", [
    [{"$gt": ""}, "x"],                       # an operator object where a value belongs
    ["x", {"$ne": None}],
    [{"$regex": ".*"}],
    [["a", "b"], "x"],                        # nested lists
    [[{"$gt": ""}]],
    [{"$dt": "2026-01-01T00:00:00", "$gt": ""}],   # a date with something riding along
    [{"$dt": 5}],
    [{"$d": ["2026-01-01"]}],
    [2 ** 63],                                # no BSON integer holds it
    [],
    {"name": "x"},
    "x",
])
def test_anything_but_sort_values_is_a_400(values):
    with pytest.raises(Problem) as e:
        decode_cursor(crafted(values))
    assert e.value.status == 400 and e.value.detail == "Invalid cursor."


@pytest.mark.parametrize("cursor", [raw("[NaN]"), raw("[Infinity]"), raw("[1,"), "not-a-cursor!!",
                                    "A" * 5000, raw("\xff")])
def test_malformed_cursors_are_a_400(cursor):
    with pytest.raises(Problem) as e:
        decode_cursor(cursor)
    assert e.value.status == 400


def test_the_expected_number_of_values_is_enforced():
    with pytest.raises(Problem):
        decode_cursor(encode_cursor(["a"]), 2)
    with pytest.raises(Problem):
        decode_cursor(encode_cursor(["a", "b", "c"]), 2)


def test_a_decoded_cursor_builds_a_filter_of_plain_comparisons():
    after = decode_cursor(encode_cursor(["王", "id-9"]), 2)
    f = keyset_filter([("name", 1), ("_id", 1)], after)
    assert f == {"$or": [{"name": {"$gt": "王"}}, {"name": "王", "_id": {"$gt": "id-9"}}]}
