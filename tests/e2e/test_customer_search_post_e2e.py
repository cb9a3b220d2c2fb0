"""POST /api/v1/customers/search through the gateway: exact mobile / ID number lookups
without the numbers in any URL; a manager never finds another manager's customer."""
import uuid

import pytest

from tests import support
from tests.e2e import test_gateway_e2e as gw  # its register() records the numbers for the log scan


@pytest.fixture(scope="module")
def people(admin):
    m1 = support.new_user(admin, "manager")
    m2 = support.new_user(admin, "manager")
    sup1 = support.new_user(admin, "supervisor", team=[m1.id])
    auditor = support.new_user(admin, "auditor")
    mobile, id_number = gw.mobile(), gw.resident_id()
    cid = gw.register(m1, mobile=mobile, id_number=id_number, name=f"搜索{uuid.uuid4().hex[:6]}")
    return {"m1": m1, "m2": m2, "sup1": sup1, "auditor": auditor, "admin": admin,
            "cid": cid, "mobile": mobile, "id_number": id_number}


def found(client, body) -> list[str]:
    r = client.post("/api/v1/customers/search", json=body)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def test_search_by_mobile_or_id_number_in_the_body(people):
    p = people
    for body in ({"mobile": p["mobile"]}, {"id_number": p["id_number"]},
                 {"id_number": p["id_number"], "id_type": "resident_id", "limit": 5}):
        assert found(p["m1"], body) == [p["cid"]], body
        assert found(p["sup1"], body) == [p["cid"]], body
        assert found(p["admin"], body) == [p["cid"]], body
        assert found(p["m2"], body) == [], body           # not another manager's customer
    item = p["m1"].post("/api/v1/customers/search", json={"mobile": p["mobile"]}).json()["items"][0]
    assert item["mobile"] != p["mobile"]                   # masked, as in the list


def test_search_refusals_are_problems(people):
    p = people
    r = p["auditor"].post("/api/v1/customers/search", json={"mobile": p["mobile"]})
    assert r.status_code == 403 and r.headers["Content-Type"] == "application/problem+json"
    r = p["m1"].post("/api/v1/customers/search", json={"mobile": "12"})
    assert r.status_code == 422 and "mobile" in r.json()["errors"]
    anon = support.Client(p["admin"].base, "")
    anon.s.headers.pop("Authorization")
    assert anon.post("/api/v1/customers/search", json={"mobile": p["mobile"]}).status_code == 401
