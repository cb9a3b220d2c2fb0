"""The masking policy (chassis/privacy.py) and the masked forms it uses, held
against the rebuild attack of issue #9 (tests/rebuild.py) without servers."""
from datetime import date

import pytest

from chassis import masking, privacy
from services.customer import risk
from services.customer.validators import resident_id_check_char
from tests import rebuild

TODAY = date(2026, 11, 29)
REGION = "440305"


def resident_id(born: str, seq: str = "123") -> str:
    first17 = REGION + born + seq
    return first17 + resident_id_check_char(first17)


def person(**extra) -> dict:
    return privacy.with_age({
        "kind": "individual", "name": "张三", "gender": "female", "birth_date": date(1990, 3, 7),
        "id_type": "resident_id", "id_number": resident_id("19900307", "124"), "mobile": "13812345678",
        "phone": "0755-86001234", "email": "zhangsan@example.com", "address": "广东省深圳市南山区科技园路1号",
        "wechat": "zhangsan_1990", "qq": "12345678",
        "accounts": [{"number": "6222020200001234567", "kind": "debit"}, {"number": "123456789012", "kind": "deposit"}],
        **extra}, TODAY)


def test_every_policy_row_names_a_class_a_form_and_who_may_unmask():
    rows = privacy.table()
    assert {r["field"] for r in rows} == {"id_number", "birth_date", "age", "gender", "mobile", "phone", "email",
                                          "address", "wechat", "qq", "accounts", "contacts"}
    assert all(r["class"] in ("C1", "C2", "C3") and r["masked"] and "purpose" in r["unmask"] for r in rows)


def test_a_masked_resident_id_leaves_at_least_a_thousand_candidates():
    view, clear = privacy.mask(person())
    assert clear == [] and view["id_number"] == "4403**************"
    assert view["birth_date"] == "--03-07" and view["age"] is None and view["age_band"] == "30-45"
    assert view["gender"] is None
    # 16 birth years (30-45) x 1,000 sequence numbers; the check character is computed, not guessed
    assert rebuild.resident_ids(view, REGION, TODAY) == 16_000


@pytest.mark.parametrize("born, least", [
    ("19961130", 30_000), ("19810307", 16_000), ("19710101", 10_000), ("19601231", 10_000), ("19500101", 61_000),
    # Feb 29 gives away a leap year: a 10-year band keeps 2 or 3 of them
    ("19720229", 2_000), ("19640229", 2_000)])
def test_every_age_band_leaves_enough_birth_years(born, least):
    birth = date(int(born[:4]), int(born[4:6]), int(born[6:]))
    view, _ = privacy.mask(person(birth_date=birth, id_number=resident_id(born)))
    assert rebuild.resident_ids(view, REGION, TODAY) >= least >= rebuild.MIN_CANDIDATES


def test_what_the_old_masking_showed_rebuilds_the_number():
    # The form issue #9 reported: first 6 and last 4 next to the birth date in clear.
    idn = resident_id("19900307", "124")
    old = {"id_number": idn[:6] + "*" * 8 + idn[-4:], "birth_date": "1990-03-07", "gender": "female", "age": 36}
    assert rebuild.resident_ids(old, REGION, TODAY) == 1


def test_age_bands_are_the_risk_questionnaires():
    labels = [label for label, _points in risk.QUESTIONS[0][2].values()]
    assert [b[2] for b in masking.AGE_BANDS] == labels
    assert masking.age_band(date(1996, 11, 30), TODAY) == "under 30"    # 29 until tomorrow
    assert masking.age_band(date(1996, 11, 29), TODAY) == "30-45"
    assert masking.age_band(None, TODAY) is None


@pytest.mark.parametrize("id_type, number, shown", [
    ("passport", "E12345678", "E12******"),
    ("hk_macau_permit", "C12345678", "C12******"),
    ("taiwan_permit", "12345678", "12******"),
    ("foreign_permanent_resident", "USA110090102003", "USA1***********"),
    ("foreign_permanent_resident", "931840199003071234", "9318**************"),
    ("other", "AB12345", "AB*****"),
])
def test_documents_show_at_most_a_third_and_never_more_than_four(id_type, number, shown):
    view, _ = privacy.mask(person(id_type=id_type, id_number=number))
    assert view["id_number"] == shown
    assert len(number) - view["id_number"].count("*") <= len(number) // 3
    assert rebuild.same_length(view["id_number"]) >= rebuild.MIN_CANDIDATES


def test_contact_ids_and_numbers_leave_at_least_a_thousand_candidates():
    view, _ = privacy.mask(person())
    assert view["mobile"] == "138****5678" and rebuild.same_length(view["mobile"]) == 10_000
    assert view["phone"] == "0755-****34"
    assert rebuild.free_text(view["phone"].split("-", 1)[1], min_length=7, alphabet=10) >= 10 ** 5
    assert view["wechat"] == "z****" and rebuild.free_text(view["wechat"], 6, 26 + 10 + 2) > 10 ** 6
    assert view["qq"] == "1****" and rebuild.free_text(view["qq"], 5, 10) == 10_000
    assert view["email"] == "z***@example.com"
    assert [a["number"] for a in view["accounts"]] == ["****4567", "****12"]
    assert all(rebuild.account(a["number"]) >= rebuild.MIN_CANDIDATES for a in view["accounts"])


def test_an_account_reference_from_core_banking_shows_no_more_than_the_profile():
    assert privacy.account_number("6222020200001234") == "****1234"
    assert privacy.account_number("****5678") == "****78"     # its length is unknown: treated as short


@pytest.mark.parametrize("value, masked", [
    ("上海市浦东新区世纪大道100号", "上海市****"),
    ("广东省深圳市南山区科技园路1号", "广东省深圳市****"),
    ("湖北省恩施土家族苗族自治州恩施市舞阳大街", "湖北省恩施土家族苗族自治州****"),
    ("新疆维吾尔自治区乌鲁木齐市天山区", "新疆维吾尔自治区乌鲁木齐市****"),
    ("深圳市南山区科技园", "深圳市****"),
    ("广东省南山区科技园", "广东省****"),
    ("Flat 3, 12 Queen's Road", "****"),
])
def test_an_address_keeps_province_and_city_only(value, masked):
    assert masking.address(value) == masked


def test_phones_keep_the_area_code_and_two_digits():
    assert masking.phone("010-12345678") == "010-****78"
    assert masking.phone("01012345678-123") == "010-****78"
    assert masking.phone("1234567") == "****67"
    assert masking.phone("13912345678") == "139****5678"


def test_corporate_contact_people_keep_name_and_role_only():
    view, _ = privacy.mask({"kind": "corporate", "contacts": [
        {"name": "王五", "role": "财务总监", "mobile": "13912345678", "phone": "021-55556666",
         "email": "wangwu@corp.cn"}]})
    assert view["contacts"] == [{"name": "王五", "role": "财务总监", "mobile": "139****5678", "phone": "021-****66",
                                 "email": "w***@corp.cn"}]


def test_unmasking_shows_everything_and_names_what_was_shown():
    record = person()
    view, clear = privacy.mask(record, unmask=True)
    assert view == record
    assert set(clear) == {"id_number", "birth_date", "age", "gender", "mobile", "phone", "email", "address",
                          "wechat", "qq", "accounts"}


def test_history_values_are_masked_one_by_one():
    assert privacy.mask_value("birth_date", "1990-03-07T00:00:00+00:00") == "--03-07"
    assert privacy.mask_value("gender", "male") is None
    assert privacy.mask_value("id_number", resident_id("19900307")) == "4403**************"
    assert privacy.mask_value("occupation", "nurse") == "nurse"
    assert privacy.mask_value("mobile", "13812345678", unmask=True) == "13812345678"


def test_the_policy_table_in_docs_customer_md_is_the_code():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "customer.md").read_text(encoding="utf-8")
    documented = [line for line in doc.splitlines() if line.startswith("| `") and " | C" in line]
    assert documented == [f"| `{r['field']}` | {r['class']} | {r['masked']} |" for r in privacy.table()]
