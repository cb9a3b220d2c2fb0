"""The development database answers equality from its indexes, and answers it right.

devstack builds FerretDB 1.24.2 with devstack/ferretdb/patches (see its README): equality
or $in on _id or on an index's leading field is pushed down to SQLite as a condition on that
index, and a sort on plain fields holding only strings is done by SQLite so a page stops
reading at its limit. These tests pin the answers where a pushdown could go wrong (arrays,
escapes, Chinese text, $and, misses, nulls, mixed types in a sort) and, through FerretDB's
explain, that SQLite reads the index rather than scanning, which is what makes a
branch-sized collection searchable.
"""
from __future__ import annotations

import uuid

import pytest
from bson import ObjectId

from tests import support


@pytest.fixture
def coll():
    client = support.mongo()
    db = client[f"{support.DB_PREFIX}_pushdown{uuid.uuid4().hex[:6]}"]
    c = db["people"]
    c.create_index("key", unique=True)
    c.create_index([("manager_id", 1), ("name", 1)])
    c.create_index("classes")
    c.insert_many([{"_id": f"p{i}", "key": f"k{i}", "manager_id": f"m{i % 3}", "name": f"客户{i}",
                    "classes": ["retail", "senior"] if i % 2 else ["hnw"]} for i in range(30)])
    yield c
    client.drop_database(db.name)


def _plan(c, flt) -> str:
    out = c.database.command("explain", {"find": c.name, "filter": flt})
    return " ".join(out["queryPlanner"].get("Plan", [])) if isinstance(out["queryPlanner"], dict) else str(out)


def test_answers_are_those_of_a_full_scan(coll):
    assert coll.find_one({"_id": "p7"})["key"] == "k7"
    assert coll.find_one({"key": "k8"})["_id"] == "p8"
    assert {d["_id"] for d in coll.find({"manager_id": "m1"})} == {f"p{i}" for i in range(30) if i % 3 == 1}
    # top-level keys and $and narrow together; the rest of the filter is still applied
    assert [d["_id"] for d in coll.find({"$and": [{"manager_id": "m1"}, {"key": "k4"}]})] == ["p4"]
    assert coll.find_one({"manager_id": "m1", "key": "k5"}) is None
    assert coll.find_one({"key": "k4", "name": "别人"}) is None
    assert coll.find_one({"_id": "nobody"}) is None and coll.find_one({"key": "nobody"}) is None
    # an indexed array field: {classes: v} matches every array holding v
    assert coll.count_documents({"classes": "senior"}) == 15 and coll.count_documents({"classes": "hnw"}) == 15


def test_values_an_array_or_an_escape_could_hide_are_found(coll):
    coll.insert_many([
        {"_id": "arr", "key": "k-arr", "manager_id": ["m1", "m9"], "name": "列表"},  # an array where others hold text
        {"_id": "esc", "key": 'a<b>&"c"\\d', "manager_id": "m<1>", "name": "张三"},
        {"_id": ObjectId("65f000000000000000000001"), "key": "k-oid", "manager_id": "m1", "name": "oid"},
    ])
    assert {d["_id"] for d in coll.find({"manager_id": "m9"})} == {"arr"}
    assert "arr" in {d["_id"] for d in coll.find({"manager_id": "m1"})}
    assert coll.find_one({"key": 'a<b>&"c"\\d'})["_id"] == "esc"
    assert coll.find_one({"manager_id": "m<1>", "name": "张三"})["_id"] == "esc"
    assert coll.find_one({"_id": ObjectId("65f000000000000000000001")})["key"] == "k-oid"


def test_equality_reads_the_index_and_other_filters_still_scan(coll):
    if "ferretdbVersion" not in support.mongo().admin.command("buildInfo"):
        pytest.fail("the development database is FerretDB (devstack); these plans are its own")
    assert "USING INDEX" in _plan(coll, {"_id": "p1"})
    assert "USING INDEX" in _plan(coll, {"key": "k1"})
    assert "USING INDEX" in _plan(coll, {"$and": [{"manager_id": "m1"}, {"name": {"$gte": "客户"}}]})
    # no index on name alone, and a range is not pushed down: the plan says so
    assert "USING INDEX" not in _plan(coll, {"name": "客户1"})
    assert "USING INDEX" not in _plan(coll, {"key": {"$gt": "k1"}})


def test_membership_and_eq_answer_as_a_scan_would(coll):
    coll.insert_many([
        {"_id": "arr", "key": "k-arr", "manager_id": ["m7", "m9"], "name": "列表"},
        {"_id": "num", "key": "k-num", "manager_id": 5, "name": "数字"},
        {"_id": "esc", "key": 'x\\y', "manager_id": 'm"q"', "name": "转义"},
    ])
    assert {d["_id"] for d in coll.find({"_id": {"$in": ["p1", "p2", "nobody"]}})} == {"p1", "p2"}
    assert {d["_id"] for d in coll.find({"manager_id": {"$in": ["m1", "m9"]}})} == \
        {f"p{i}" for i in range(30) if i % 3 == 1} | {"arr"}
    assert {d["_id"] for d in coll.find({"manager_id": {"$in": ["m1"]}, "key": {"$in": ["k4", "k5"]}})} == {"p4"}
    assert coll.find_one({"manager_id": {"$eq": "m2"}, "key": "k5"})["_id"] == "p5"
    # values the pushdown does not take (numbers, escapes, null) still match: the filter runs in full
    assert coll.find_one({"manager_id": {"$in": [5, "nobody"]}})["_id"] == "num"
    assert coll.find_one({"manager_id": {"$in": ['m"q"']}})["_id"] == "esc"
    assert {d["_id"] for d in coll.find({"manager_id": {"$in": [None]}})} == set()
    # the other operators beside $in still apply
    assert {d["_id"] for d in coll.find({"manager_id": {"$in": ["m0"], "$ne": "m0"}})} == set()
    assert coll.count_documents({"manager_id": {"$in": []}}) == 0


def test_membership_reads_the_index(coll):
    if "ferretdbVersion" not in support.mongo().admin.command("buildInfo"):
        pytest.fail("the development database is FerretDB (devstack); these plans are its own")
    assert "USING INDEX" in _plan(coll, {"_id": {"$in": ["p1", "p2"]}})
    assert "USING INDEX" in _plan(coll, {"manager_id": {"$in": ["m1", "m2"]}, "name": {"$gte": "客户"}})
    assert "USING INDEX" in _plan(coll, {"key": {"$eq": "k3"}})
    assert "USING INDEX" not in _plan(coll, {"manager_id": {"$in": ["m1", 5]}})


def test_nested_and_parts_read_the_index(coll):
    """A paged query is {$and: [query, after-cursor]} and the query may be an $and itself."""
    flt = {"$and": [{"$and": [{"manager_id": "m1"}, {"name": {"$ne": "x"}}]},
                    {"$or": [{"name": {"$gt": "客户1"}}, {"name": "客户1", "_id": {"$gt": "p1"}}]}]}
    assert {d["_id"] for d in coll.find(flt)} == {d["_id"] for d in coll.find({"manager_id": "m1"})
                                                  if d["name"] > "客户1"}
    if "ferretdbVersion" in support.mongo().admin.command("buildInfo"):
        assert "USING INDEX" in _plan(coll, flt)




def test_sorted_pages_come_in_mongodbs_order(coll):
    import functools
    names = ["张三", "李四", "a", "ab", "a!", "a b", "John", "John Smith", "", "Zed", "éclair", "客户"]
    coll.insert_many([{"_id": f"s{i:03d}", "key": f"s{i}", "manager_id": "ms",
                       "name": names[i % len(names)] + str(i % 7)} for i in range(120)]
                     + [{"_id": "s-missing", "key": "sm", "manager_id": "ms"},
                        {"_id": "s-null", "key": "sn", "manager_id": "ms", "name": None}])
    docs = list(coll.find({"manager_id": "ms"}))

    def expect(sort, limit):
        def cmp(a, b):
            for (f, d) in sort:
                va, vb = a.get(f), b.get(f)
                ka = (0, b"") if va is None else (2, va.encode()) if isinstance(va, str) else (1, va)
                kb = (0, b"") if vb is None else (2, vb.encode()) if isinstance(vb, str) else (1, vb)
                if ka != kb:
                    return (-1 if ka < kb else 1) * d
            return 0
        return [d["_id"] for d in sorted(docs, key=functools.cmp_to_key(cmp))][:limit]

    for sort in ([("name", 1), ("_id", 1)], [("name", -1), ("_id", -1)], [("name", 1), ("_id", -1)]):
        for limit in (1, 11, 500):
            assert [d["_id"] for d in coll.find({"manager_id": "ms"}).sort(sort).limit(limit)] == expect(sort, limit)
    # a number among the names: SQLite would put it elsewhere, so the handler sorts; still right
    coll.insert_one({"_id": "s-num", "key": "s-num", "manager_id": "ms", "name": 5})
    docs.append({"_id": "s-num", "manager_id": "ms", "name": 5})
    sort = [("name", 1), ("_id", 1)]
    assert [d["_id"] for d in coll.find({"manager_id": "ms"}).sort(sort).limit(4)] == expect(sort, 4)
    assert expect(sort, 3)[2] == "s-num"


def _bson_key(v):
    """MongoDB's sort order for the types below: null and missing, numbers, strings (UTF-8
    bytes), documents, ObjectIds, booleans, dates."""
    if v is None:
        return (1, 0)
    if isinstance(v, bool):
        return (8, v)
    if isinstance(v, (int, float)):
        return (2, v)
    if isinstance(v, str):
        return (3, v.encode())
    if isinstance(v, dict):
        return (4, sorted(v.items()))
    if isinstance(v, ObjectId):
        return (7, v.binary)
    return (9, v)   # datetime


def test_every_type_in_a_sorted_page_comes_in_mongodbs_order(coll):
    """A page of one manager's rows by name walks an index in order (no arrays on the fields):
    SQLite orders values as json_extract returns them, which is MongoDB's order for null,
    numbers and strings; the handler sorts itself from the first other value it meets. JSON
    text would misplace "a b" and "a!" before "a", and escaped characters anywhere."""
    import datetime
    import functools
    names = ["a", "a b", "a!", 'a"', "a<", "a>b", "a&", "a\\", "a\x01", "A", "ab", "张三", "", "éclair",
             5, 2.5, -1, None, True, False, {"x": 1}, ObjectId("65f000000000000000000009"),
             datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)]
    rows = [{"_id": f"t{i:03d}", "key": f"t{i}", "manager_id": "mt", "name": names[i % len(names)]}
            for i in range(3 * len(names))] + [{"_id": "t-missing", "key": "tm", "manager_id": "mt"}]
    coll.insert_many(rows)

    def expect(sort, limit):
        def cmp(a, b):
            for f, d in sort:
                ka, kb = _bson_key(a.get(f)), _bson_key(b.get(f))
                if ka != kb:
                    return (-1 if ka < kb else 1) * d
            return 0
        return [r["_id"] for r in sorted(rows, key=functools.cmp_to_key(cmp))][:limit]

    for sort in ([("name", 1), ("_id", 1)], [("name", -1), ("_id", -1)], [("name", 1), ("_id", -1)]):
        for limit in (1, 2, 3, 10, 30, 45, 1000):
            got = [d["_id"] for d in coll.find({"manager_id": "mt"}).sort(sort).limit(limit)]
            assert got == expect(sort, limit), (sort, limit)
    # only strings: streamed from the index, page by page across every seam
    coll.delete_many({"manager_id": "mt", "name": {"$not": {"$type": "string"}}})
    rows = [r for r in rows if isinstance(r.get("name"), str)]
    want = expect([("name", 1), ("_id", 1)], 1000)
    got, after = [], None
    while True:
        flt = {"manager_id": "mt"} if after is None else {"$and": [{"manager_id": "mt"}, {"$or": [
            {"name": {"$gt": after[0]}}, {"name": after[0], "_id": {"$gt": after[1]}}]}]}
        page = list(coll.find(flt).sort([("name", 1), ("_id", 1)]).limit(4))
        if not page:
            break
        got += [d["_id"] for d in page]
        after = (page[-1]["name"], page[-1]["_id"])
    assert got == want


def test_a_book_page_walks_its_index_in_order(coll):
    if "ferretdbVersion" not in support.mongo().admin.command("buildInfo"):
        pytest.fail("the development database is FerretDB (devstack); these plans are its own")

    def plan(flt, sort):
        out = coll.database.command("explain", {"find": coll.name, "filter": flt, "sort": sort})
        return " ".join(out["queryPlanner"]["Plan"])

    book = plan({"manager_id": "m1"}, {"name": 1, "_id": 1})
    # the companion of (manager_id, name) in name order; only ties on name are sorted
    assert "_crm_sort" in book and "TEMP B-TREE FOR ORDER BY" not in book, book
    # descending, the types MongoDB puts after strings come first: SQLite sorts (as before)
    assert "TEMP B-TREE FOR ORDER BY" in plan({"manager_id": "m1"}, {"name": -1, "_id": -1})
    # an array on the sort field: MongoDB orders it by an element, so SQLite may not
    coll.insert_one({"_id": "arr", "key": "k-arr", "manager_id": "m1", "name": ["0", "齐"]})
    assert "TEMP B-TREE FOR ORDER BY" in plan({"manager_id": "m1"}, {"name": 1, "_id": 1})
    assert [d["_id"] for d in coll.find({"manager_id": "m1"}).sort([("name", 1), ("_id", 1)]).limit(2)][0] == "arr"
    assert [d["_id"] for d in coll.find({"manager_id": "m1"}).sort([("name", -1), ("_id", -1)]).limit(1)] == ["arr"]
    # an array on the equality field: the condition takes arrays in again, and finds them
    coll.insert_one({"_id": "arr2", "key": "k-arr2", "manager_id": ["m1", "m2"], "name": "列表"})
    assert "MULTI-INDEX OR" in plan({"manager_id": "m2"}, {"key": 1})
    assert "arr2" in {d["_id"] for d in coll.find({"manager_id": "m2"}).sort([("name", 1), ("_id", 1)])}
    # dropping the index drops its companion: the page is still answered, and right
    coll.drop_index("manager_id_1_name_1")
    assert "_crm_sort" not in plan({"key": "k1"}, {"name": 1, "_id": 1})
    assert [d["_id"] for d in coll.find({"key": "k1"}).sort([("name", 1)])] == ["p1"]


def test_a_keyset_cursor_starts_the_page_at_its_bound(coll):
    """Page 2 is {$and: [query, {$or: [{name: {$gt: v}}, {name: v, _id: {$gt: id}}]}]}: the
    bound name >= v is pushed down on the sort companion, so SQLite starts there instead of
    reading page 1 again; the answers are those of MongoDB's rules, types and arrays included."""
    coll.insert_many([{"_id": "n-num", "key": "n-num", "manager_id": "m1", "name": 7},
                      {"_id": "n-null", "key": "n-null", "manager_id": "m1", "name": None},
                      {"_id": "n-eq", "key": "n-eq", "manager_id": "m1", "name": "客户1"}])
    after = {"$or": [{"name": {"$gt": "客户1"}}, {"name": "客户1", "_id": {"$gt": "n-eq"}}]}
    flt = {"$and": [{"manager_id": "m1"}, after]}
    want = sorted((d for d in coll.find({"manager_id": "m1"}) if isinstance(d.get("name"), str)
                   and (d["name"].encode() > "客户1".encode() or (d["name"] == "客户1" and d["_id"] > "n-eq"))),
                  key=lambda d: (d["name"].encode(), d["_id"]))
    assert [d["_id"] for d in coll.find(flt).sort([("name", 1), ("_id", 1)])] == [d["_id"] for d in want]
    if "ferretdbVersion" in support.mongo().admin.command("buildInfo"):
        out = coll.database.command("explain", {"find": coll.name, "filter": flt, "sort": {"name": 1, "_id": 1}})
        assert "<expr>=? AND <expr>>?" in " ".join(out["queryPlanner"]["Plan"])
    # descending cursors bound from above; two equalities are no range; both answer right
    before = {"$and": [{"manager_id": "m1"}, {"$or": [{"name": {"$lt": "客户2"}}, {"name": "客户2"}]}]}
    assert {d["_id"] for d in coll.find(before)} == {d["_id"] for d in coll.find({"manager_id": "m1"})
                                                     if isinstance(d.get("name"), str) and d["name"] <= "客户2"}
    assert {d["_id"] for d in coll.find({"$or": [{"name": "客户1"}, {"name": "客户4"}]})} == {"p1", "p4", "n-eq"}
    # an array on the field matches by an element: no bound then, and it is found
    coll.insert_one({"_id": "n-arr", "key": "n-arr", "manager_id": "m1", "name": ["a", "齐"]})
    assert "n-arr" in {d["_id"] for d in coll.find(flt)}


def test_empty_membership_matches_nothing(coll):
    """{f: {$in: []}} (a lookup of names for no tasks) scanned the whole collection; now the
    condition is a constant false, which SQLite checks once before its loop (its plan still
    reads SCAN, so the figure is bench/bench_scale.py's worklist: 11 s → 0.2 s)."""
    assert list(coll.find({"_id": {"$in": []}})) == [] and list(coll.find({"manager_id": {"$in": []}})) == []
    assert coll.count_documents({"classes": {"$in": []}}) == 0
    assert coll.count_documents({"manager_id": {"$in": []}, "key": "k1"}) == 0
