"""Validation of customer input: every kind of bad field is named; unknown fields rejected."""
import pytest
from marshmallow import ValidationError

from services.customer import importer
from services.customer.schemas import CustomerIn, CustomerPatch, CustomerQuery, RiskIn, TierRulesIn
from services.customer.validators import resident_id_check_char, uscc_check_char


def resident_id(first17="11010519800101123"):
    return first17 + resident_id_check_char(first17)


def uscc(first17="91110108MA01ABCD1"):
    return first17 + uscc_check_char(first17)


GOOD_PERSON = {"kind": "individual", "name": "张三", "gender": "male", "mobile": "13912345678",
               "id_type": "resident_id", "id_number": resident_id(), "birth_date": "1980-01-01",
               "email": "zhang@example.cn", "phone": "010-12345678", "address": "北京市海淀区中关村大街1号",
               "occupation": "engineer", "employer": "某公司", "wechat": "zs_1980", "qq": "123456",
               "family": {"marital_status": "married", "children": 1, "household_size": 3},
               "financial": {"aum_cents": 100_000_00, "income_band": "300k_1m", "products_held": 2},
               "needs": ["pension"], "investment_preferences": ["funds"], "risk_tolerance": "balanced",
               "preferred_channels": ["wechat", "phone"], "contact_times": ["evening"],
               "important_dates": [{"kind": "wedding", "date": "2010-05-01", "label": "结婚纪念日"}],
               "accounts": [{"number": "6222020200012345678", "kind": "debit"}],
               "classes": ["retail"], "tags": ["老客户"], "external_id": "core-001"}

GOOD_COMPANY = {"kind": "corporate", "name": "某某科技有限公司", "credit_code": uscc(), "industry": "software",
                "size": "small", "legal_representative": "李四",
                "contacts": [{"name": "王五", "role": "财务总监", "mobile": "13700000000"}],
                "financing_needs": ["working_capital"], "classes": ["sme"]}


def test_full_profiles_load():
    assert CustomerIn().load(GOOD_PERSON)["family"]["children"] == 1
    assert CustomerIn().load(GOOD_COMPANY)["contacts"][0]["role"] == "财务总监"


@pytest.mark.parametrize("field,value", [
    ("mobile", "12345678901"), ("mobile", "1391234567"), ("mobile", 13912345678),
    ("id_number", "110105198001011230"),          # wrong check digit
    ("email", "not-an-email"), ("phone", "abc"), ("qq", "0123"),
    ("gender", "robot"), ("kind", "alien"), ("risk_tolerance", "yolo"),
    ("birth_date", "2999-01-01"), ("birth_date", "1980-13-01"), ("birth_date", "1979-01-01"),
    ("name", ""), ("name", "x" * 101), ("address", "x" * 201),
    ("preferred_channels", ["pigeon"]), ("classes", ["vip"]), ("tags", ["x" * 31]),
    ("external_id", "has space"), ("id_type", "library_card"),
])
def test_each_bad_field_is_named(field, value):
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_PERSON, field: value})
    assert field in exc.value.messages, exc.value.messages


@pytest.mark.parametrize("field,value", [
    ("family", {"children": -1}), ("family", {"pets": 2}), ("financial", {"aum_cents": -5}),
    ("financial", {"aum_cents": "lots"}), ("accounts", [{"number": "12", "kind": "debit"}]),
    ("important_dates", [{"kind": "wedding"}]), ("important_dates", [{"kind": "x", "date": "2010-01-01"}]),
])
def test_nested_errors_are_named(field, value):
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_PERSON, field: value})
    assert field in exc.value.messages


def test_unknown_fields_are_rejected_not_ignored():
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_PERSON, "favourite_colour": "red"})
    assert exc.value.messages == {"favourite_colour": ["Unknown field."]}


def test_kind_specific_fields():
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_COMPANY, "gender": "male"})
    assert "gender" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_PERSON, "credit_code": uscc()})
    assert "credit_code" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({k: v for k, v in GOOD_COMPANY.items() if k != "credit_code"})
    assert "credit_code" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_COMPANY, "credit_code": GOOD_COMPANY["credit_code"][:-1] + "0"
                           if GOOD_COMPANY["credit_code"][-1] != "0" else GOOD_COMPANY["credit_code"][:-1] + "1"})
    assert "credit_code" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        CustomerIn().load({**GOOD_PERSON, "id_type": None})
    assert "id_type" in exc.value.messages


def test_passport_numbers_skip_the_resident_check():
    assert CustomerIn().load({**GOOD_PERSON, "id_type": "passport", "id_number": "E12345678"})


def test_patch_allows_partial_and_null_but_not_unknown():
    assert CustomerPatch().load({"email": None}) == {"email": None}
    with pytest.raises(ValidationError) as exc:
        CustomerPatch().load({"kind": "corporate"})
    assert "kind" in exc.value.messages


def test_query_schema():
    with pytest.raises(ValidationError) as exc:
        CustomerQuery().load({"birthday_from": "2026-01-05"})
    assert "birthday_to" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        CustomerQuery().load({"birthday_from": "2026-01-05", "birthday_to": "2026-01-01"})
    assert "birthday_to" in exc.value.messages
    assert CustomerQuery().load({"class": "sme"})["class_"] == "sme"


def test_risk_answers_named_under_answers():
    with pytest.raises(ValidationError) as exc:
        RiskIn().load({"customer_id": "c", "answers": {"age": "z"}})
    assert "age" in exc.value.messages["answers"] and "horizon" in exc.value.messages["answers"]


def test_tier_rules_schema():
    with pytest.raises(ValidationError) as exc:
        TierRulesIn().load({"rules": [{"tier": "bronze"}]})
    assert "rules" in exc.value.messages


# -- import parsing ---------------------------------------------------------------------------
class _Stream:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n):
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def test_lines_are_split_across_chunks_and_multibyte_chars():
    text = "name\n张三\n李四"
    got = list(importer.lines(_Stream(("\ufeff" + text).encode()), chunk=3))
    assert got == ["name\n", "张三\n", "李四"]


def test_csv_rows_map_columns_and_number_rows():
    text = ("kind,name,aum_cents,tags,marital_status\n"
            "individual,张三,100,a|b,married\n"
            "\n"
            "individual,\"李,四\",x\n")
    rows = list(importer.csv_rows(importer.lines(_Stream(text.encode()))))
    assert rows[0] == (1, {"kind": "individual", "name": "张三", "financial": {"aum_cents": "100"},
                           "tags": ["a", "b"], "family": {"marital_status": "married"}}, None)
    assert rows[1][0] == 3 and rows[1][2] and "_row" in rows[1][2]


def test_csv_unknown_column_is_refused_before_any_row():
    from chassis.errors import Problem
    with pytest.raises(Problem) as exc:
        list(importer.csv_rows(["kind,name,shoe_size\n"]))
    assert exc.value.status == 400 and "shoe_size" in exc.value.detail


def test_ndjson_rows():
    rows = list(importer.ndjson_rows(['{"kind": "individual", "name": "a"}\n', "[1]\n", "nope\n"]))
    assert rows[0][1]["name"] == "a" and rows[1][2] and rows[2][2]
