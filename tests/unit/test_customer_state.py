"""The importer's plain-dict customer (service.new_customer_state) against the mongoengine
document every other path builds: the same stored document, field for field and in the
same order, and the same registered event, for a spread of inputs. If a field or a rule is
added to one and not the other, this fails."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from chassis.fakes import FakeStore
from chassis.identity import ADMIN, Identity
from contracts import customer as events
from services.customer import rules, service
from services.customer.models import Customer
from services.customer.schemas import INDIVIDUAL_ONLY, CustomerIn
from tests.unit.test_customer_schemas import GOOD_COMPANY, GOOD_PERSON, resident_id, uscc

AT = datetime(2026, 3, 4, 5, 6, 7, 123000, tzinfo=timezone.utc)
RULES = [dict(r) for r in rules.DEFAULT_TIER_RULES]
ADMIN_ID = Identity("a-1", ADMIN, branch="sh")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(service, "now", lambda: AT)


def _pair(raw: dict, owner=("m-1", "sh"), cid="c-1", version=3, rule_set=RULES):
    data = CustomerIn().load(raw)
    doc = service.new_customer(data, ADMIN_ID, version, rule_set, customer_id=cid, owner=owner)
    return service.new_customer_state(data, version, rule_set, cid, owner), doc


def _same(state: dict, doc: Customer) -> None:
    expected = doc.to_mongo().to_dict()
    assert state == expected
    assert list(state) == list(expected)   # the stored field order too
    data = {k: v for k, v in service.snapshot(doc).items() if v not in (None, [], {})}
    assert service.registered_state(state).data == events.REGISTERED.new(doc.id, data).data


CASES = {
    "minimal individual": {"kind": "individual", "name": "甲"},
    "full individual": GOOD_PERSON,
    "birth date from the ID number": {**GOOD_PERSON, "birth_date": None},
    "passport with a birth date": {"kind": "individual", "name": "Ann", "id_type": "passport",
                                   "id_number": "E12345678", "birth_date": "1975-12-31", "gender": "female"},
    "passport without a birth date": {"kind": "individual", "name": "Bo", "id_type": "passport",
                                      "id_number": "E87654321"},
    "nulls and empties": {**GOOD_PERSON, "mobile": None, "tags": [], "family": None, "financial": {},
                          "important_dates": None, "accounts": [], "external_id": "ext.2"},
    "corporate": GOOD_COMPANY,
    "corporate with figures": {**GOOD_COMPANY, "financial": {"aum_cents": 7_000_000_00, "products_held": 4,
                                                             "annual_income_cents": 5}, "tags": ["a", "b"],
                               "important_dates": [{"kind": "company_founding", "date": "1999-09-09"}]},
    "a zero AUM and no figures": {"kind": "individual", "name": "零", "financial": {"aum_cents": 0}},
}


@pytest.mark.parametrize("raw", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize("owner", [("m-1", "sh"), (None, "sh"), (None, None)])
def test_the_state_is_the_documents(raw, owner):
    _same(*_pair(raw, owner=owner))


def test_the_tier_follows_the_rule_set_given():
    state, doc = _pair({**GOOD_PERSON, "financial": {"aum_cents": 3_000_000_00}}, version=9)
    _same(state, doc)
    assert (state["tier"], state["tier_rules_version"]) == ("diamond", 9)
    state, doc = _pair({**GOOD_PERSON, "financial": {"aum_cents": 3_000_000_00}}, version=0,
                       rule_set=[{"tier": "standard"}])
    _same(state, doc)
    assert state["tier"] == "standard"


# Valid values per field: random profiles draw from them, so combinations nobody listed meet too.
POOL = {
    "external_id": ["e-1", "core:77"], "manager_id": ["m-9"], "mobile": ["13800000000", "19912345678"],
    "phone": ["010-12345678"], "email": ["a@b.cn"], "address": ["上海"], "wechat": ["wx"], "qq": ["12345"],
    "gender": ["male", "other"], "birth_date": ["1980-01-01", "2001-02-28"], "occupation": ["x"],
    "employer": ["y"], "family": [{"children": 2}, {}, {"marital_status": "single", "household_size": 1}],
    "investment_preferences": [["funds", "gold"], []], "risk_tolerance": ["balanced"],
    "financial": [{"aum_cents": 600_000_00, "income_band": "over_5m"}, {"deposits_cents": 1}, {}],
    "needs": [["pension"], []], "accounts": [[{"number": "6222020200012345678", "kind": "credit"}]],
    "preferred_channels": [["sms", "visit"]], "contact_times": [["noon"]],
    "important_dates": [[{"kind": "other", "date": "2020-02-29", "label": "x"}], []],
    "classes": [["hnw", "senior"]], "tags": [["t"], []],
}
CORPORATE_POOL = {"industry": ["mfg"], "size": ["large"], "legal_representative": ["L"],
                  "contacts": [[{"name": "N", "role": "R", "email": "c@d.cn"}], []],
                  "financing_needs": [["equipment"]]}


def test_random_profiles_build_the_same_document():
    rnd = random.Random(11)
    checked = 0
    for i in range(300):
        corporate = rnd.random() < 0.3
        raw: dict = ({"kind": "corporate", "name": f"公司{i}", "credit_code": uscc()} if corporate
                     else {"kind": "individual", "name": f"人{i}"})
        pool = ({**{k: v for k, v in POOL.items() if k not in INDIVIDUAL_ONLY}, **CORPORATE_POOL} if corporate
                else POOL)
        for field, values in pool.items():
            if rnd.random() < 0.4:
                raw[field] = rnd.choice(values + [None])
        if not corporate and rnd.random() < 0.5:
            raw.update(id_type="resident_id", id_number=resident_id(f"3101151980{rnd.randint(1, 12):02d}01123"))
            raw.pop("birth_date", None)
        owner = rnd.choice([("m-1", "sh"), (None, None)])
        try:
            state, doc = _pair(raw, owner=owner, cid=f"c-{i}")
        except ValidationError:
            continue   # a combination the schema refuses (e.g. a wedding date for a company)
        _same(state, doc)
        checked += 1
    assert checked > 250


def test_create_states_stores_what_create_many_stores():
    """The two bulk paths of the store: the same document and change record, less the
    creation's diff, which readers rebuild from the state (chassis.store.creation_diff)."""
    from chassis.store import creation_diff
    a, b = FakeStore(Customer, "customer"), FakeStore(Customer, "customer")
    state, doc = _pair(GOOD_PERSON)
    data = {k: v for k, v in service.snapshot(doc).items() if v not in (None, [], {})}
    created, errors = a.create_many([doc], ADMIN_ID, lambda d: [events.REGISTERED.new(d.id, data)])
    assert errors == {} and created == [doc]
    assert b.create_states([state], ADMIN_ID, [[service.registered_state(state)]], diff=False) == {}
    stored_a, stored_b = a.collection.find_one({"_id": "c-1"}), b.collection.find_one({"_id": "c-1"})
    bookkeeping = ("created_at", "updated_at")
    assert {k: v for k, v in stored_a.items() if k not in bookkeeping} == \
        {k: v for k, v in stored_b.items() if k not in bookkeeping}
    assert stored_b["version"] == 1 and stored_b["created_at"] == stored_b["updated_at"]
    [rec_a], [rec_b] = a.outbox.find({"_id": {"$in": ["customer:c-1:1"]}}), \
        b.outbox.find({"_id": {"$in": ["customer:c-1:1"]}})
    assert "diff" not in rec_b and rec_a["diff"]
    assert creation_diff(rec_b) == creation_diff(rec_a) == rec_a["diff"]
