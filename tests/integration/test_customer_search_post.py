"""POST /api/v1/customers/search: the list's filters in a JSON body, so a mobile or ID
number being looked up sits in no URL. Same visibility and paging as GET /customers."""
import uuid

from tests.integration.test_customer_profiles import BASE, person
from tests.support import as_user

SEARCH = f"{BASE}/search"


def _mid():
    return "m-" + uuid.uuid4().hex[:8]


def ids(resp):
    assert resp.status_code == 200, resp.get_json()
    return [i["id"] for i in resp.get_json()["items"]]


def test_exact_mobile_and_id_number_in_the_body_find_only_the_callers_customer(customer_app):
    c = customer_app.test_client()
    mine, other = as_user(_mid()), as_user(_mid())
    data = person()
    cid = c.post(BASE, json=data, headers=mine).get_json()["id"]
    assert ids(c.post(SEARCH, json={"mobile": data["mobile"]}, headers=mine)) == [cid]
    assert ids(c.post(SEARCH, json={"id_number": data["id_number"]}, headers=mine)) == [cid]
    assert ids(c.post(SEARCH, json={"id_number": data["id_number"], "id_type": "resident_id"}, headers=mine)) == [cid]
    assert ids(c.post(SEARCH, json={"id_number": data["id_number"][:-2]}, headers=mine)) == []   # exact only
    # results are masked like the list's
    item = c.post(SEARCH, json={"mobile": data["mobile"]}, headers=mine).get_json()["items"][0]
    assert item["mobile"] != data["mobile"] and "*" in item["mobile"]
    # another manager does not find it, by either number
    assert ids(c.post(SEARCH, json={"mobile": data["mobile"]}, headers=other)) == []
    assert ids(c.post(SEARCH, json={"id_number": data["id_number"]}, headers=other)) == []
    # nor by naming the owner (refused like GET /customers?manager_id=, whichever status that is)
    owner = c.post(SEARCH, json={"mobile": data["mobile"]}, headers=mine).get_json()["items"][0]["manager_id"]
    r = c.post(SEARCH, json={"manager_id": owner, "mobile": data["mobile"]}, headers=other)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.status_code == c.get(f"{BASE}?manager_id={owner}", headers=other).status_code


def test_same_filters_sorting_and_cursor_paging_as_the_list(customer_app):
    c = customer_app.test_client()
    m = _mid()
    h = as_user(m)
    prefix = "体" + uuid.uuid4().hex[:4]
    made = [c.post(BASE, json=person(name=f"{prefix}{n}", tags=["tea"] if n % 2 else []), headers=h).get_json()["id"]
            for n in range(5)]
    seen, cursor = [], None
    while True:
        body = {"name": prefix, "sort": "-name", "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = c.post(SEARCH, json=body, headers=h)
        assert r.status_code == 200, r.get_json()
        seen += ids(r)
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))
    assert ids(c.post(SEARCH, json={"name": prefix, "tag": "tea"}, headers=h)) == ids(
        c.get(f"{BASE}?name={prefix}&tag=tea", headers=h))


def test_bad_bodies_are_problems_naming_the_field(customer_app):
    c = customer_app.test_client()
    h = as_user(_mid())
    for body, field in (({"mobile": "123"}, "mobile"), ({"tier": "bronze"}, "tier"), ({"limit": 0}, "limit"),
                        ({"colour": "red"}, "colour"), ({"birthday_from": "2026-01-01"}, "birthday_to")):
        r = c.post(SEARCH, json=body, headers=h)
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (body, r.get_json())
        assert field in r.get_json()["errors"], (body, r.get_json())
    r = c.post(SEARCH, json={"cursor": "garbage"}, headers=h)
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    r = c.post(SEARCH, data="not json", headers={**h, "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and r.mimetype == "application/problem+json"


def test_the_search_is_documented(customer_app):
    spec = customer_app.test_client().get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/v1/customers/search"]["post"]
    assert "mobile" in op["summary"] and "URL" in op["description"]
    assert {"200", "400", "404", "422"} <= set(op["responses"])
    assert "requestBody" in op
