"""marshmallow schemas: validation in, serialisation out.

One field table serves create (CustomerIn), partial update (CustomerPatch),
bulk import rows and output (CustomerOut), so every path validates alike.
Unknown fields are rejected (marshmallow's default RAISE), nested ones too.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis import clock
from chassis.schemas import PageQuery, StrictBoolean  # noqa: F401  (PageQuery re-exported for the api modules)

from . import risk
from .rules import CLASSES, TIERS
from .validators import (
    ACCOUNT_RE,
    EMAIL_RE,
    MOBILE_RE,
    PHONE_RE,
    birth_date_from_resident_id,
    resident_id_problem,
    uscc_problem,
)

KINDS = ("individual", "corporate")
GENDERS = ("male", "female", "other")
ID_TYPES = ("resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent_resident", "other")
CHANNELS = ("counter", "phone", "sms", "email", "wechat", "qq", "social", "online_banking", "mobile_banking", "visit")
CONTACT_TIMES = ("morning", "noon", "afternoon", "evening", "workday", "weekend")
INCOME_BANDS = ("under_100k", "100k_300k", "300k_1m", "1m_5m", "over_5m")
NEEDS = ("savings", "wealth_management", "insurance", "consumer_loan", "mortgage", "pension", "education",
         "foreign_exchange", "payments", "credit_card", "inheritance", "business_loan")
INVESTMENT_PREFS = ("deposits", "wealth_products", "funds", "bonds", "stocks", "insurance", "gold",
                    "trusts", "structured_products", "foreign_currency")
RISK_TOLERANCE = ("conservative", "moderately_conservative", "balanced", "moderately_aggressive", "aggressive")
MARITAL = ("single", "married", "divorced", "widowed")
DATE_KINDS = ("anniversary", "wedding", "child_birthday", "company_founding", "other")
ACCOUNT_KINDS = ("debit", "credit", "deposit", "loan", "wealth")
SIZES = ("micro", "small", "medium", "large")
FINANCING = ("working_capital", "equipment", "trade_finance", "project", "bill_discount", "supply_chain", "other")
STATUSES = ("active", "archived")

INDIVIDUAL_ONLY = ("gender", "birth_date", "id_type", "id_number", "occupation", "employer", "wechat", "qq",
                   "family", "investment_preferences", "risk_tolerance")
CORPORATE_ONLY = ("credit_code", "industry", "size", "legal_representative", "contacts", "financing_needs")


def _regexp(rx, message):
    return validate.Regexp(rx, error=message)


MOBILE = _regexp(MOBILE_RE, "Not a mainland mobile number (11 digits starting 13-19).")
PHONE = _regexp(PHONE_RE, "Not a phone number (e.g. 010-12345678).")
EMAIL = _regexp(EMAIL_RE, "Not an email address.")


def _past_date(d: date):
    if d > clock.today():
        raise ValidationError("Must not be in the future.")
    if d < date(1900, 1, 1):
        raise ValidationError("Must be after 1900-01-01.")


# Integers are stored as BSON int64: a larger one cannot be written (it was a 500).
MAX_INT64 = 2 ** 63 - 1
AMOUNT = validate.Range(0, MAX_INT64)
# Days a worklist or the figures are asked for: date arithmetic (a horizon, a cutoff months
# back) must stay inside the calendar (year 1 or 9999 was a 500).
DAY = validate.Range(date(1900, 1, 1), date(2999, 12, 31))


def _text(n, **kw):
    return fields.String(validate=validate.Length(1, n), **kw)


def _enum_list(values, n, **kw):
    return fields.List(fields.String(validate=validate.OneOf(values)), validate=validate.Length(max=n), **kw)


class ImportantDate(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(DATE_KINDS))
    date = fields.Date(required=True)
    label = _text(50)


class Family(Schema):
    marital_status = fields.String(validate=validate.OneOf(MARITAL))
    children = fields.Integer(validate=validate.Range(0, 20))
    dependents = fields.Integer(validate=validate.Range(0, 30))
    household_size = fields.Integer(validate=validate.Range(1, 30))


class Financial(Schema):
    aum_cents = fields.Integer(validate=AMOUNT, metadata={"description": "assets under management, CNY cents"})
    deposits_cents = fields.Integer(validate=AMOUNT)
    loans_cents = fields.Integer(validate=AMOUNT)
    annual_income_cents = fields.Integer(validate=AMOUNT)
    income_band = fields.String(validate=validate.OneOf(INCOME_BANDS))
    products_held = fields.Integer(validate=validate.Range(0, 1000))


class Account(Schema):
    number = fields.String(required=True, validate=_regexp(ACCOUNT_RE, "An account number is 12-19 digits."))
    kind = fields.String(required=True, validate=validate.OneOf(ACCOUNT_KINDS))


class ContactPerson(Schema):
    name = _text(50, required=True)
    role = _text(50, required=True)
    mobile = fields.String(validate=MOBILE)
    phone = fields.String(validate=PHONE)
    email = fields.String(validate=EMAIL)


def _profile_fields() -> dict:
    """Every editable profile field (fresh field objects on each call)."""
    opt: dict[str, Any] = {"allow_none": True}
    return {
        "name": _text(100, required=True),
        "manager_id": _text(64, **opt),
        # No "branch": it follows the manager (service._owner), so a client cannot set it.
        # contacts
        "mobile": fields.String(validate=MOBILE, **opt),
        "phone": fields.String(validate=PHONE, **opt),
        "email": fields.String(validate=[EMAIL, validate.Length(max=100)], **opt),
        "address": _text(200, **opt),
        "wechat": _text(50, **opt),
        "qq": fields.String(validate=_regexp(r"^[1-9]\d{4,11}$", "A QQ number is 5-12 digits."), **opt),
        # individual
        "gender": fields.String(validate=validate.OneOf(GENDERS), **opt),
        "birth_date": fields.Date(validate=_past_date, **opt),
        "id_type": fields.String(validate=validate.OneOf(ID_TYPES), **opt),
        "id_number": fields.String(validate=validate.Length(5, 20), **opt),
        "occupation": _text(50, **opt),
        "employer": _text(100, **opt),
        "family": fields.Nested(Family, **opt),
        "investment_preferences": _enum_list(INVESTMENT_PREFS, 10, **opt),
        "risk_tolerance": fields.String(validate=validate.OneOf(RISK_TOLERANCE), **opt),
        # corporate
        "credit_code": fields.String(**opt),
        "industry": _text(50, **opt),
        "size": fields.String(validate=validate.OneOf(SIZES), **opt),
        "legal_representative": _text(50, **opt),
        "contacts": fields.List(fields.Nested(ContactPerson), validate=validate.Length(max=20), **opt),
        "financing_needs": _enum_list(FINANCING, 7, **opt),
        # both
        "financial": fields.Nested(Financial, **opt),
        "needs": _enum_list(NEEDS, 12, **opt),
        "accounts": fields.List(fields.Nested(Account), validate=validate.Length(max=20), **opt),
        "preferred_channels": _enum_list(CHANNELS, 10, **opt),
        "contact_times": _enum_list(CONTACT_TIMES, 6, **opt),
        "important_dates": fields.List(fields.Nested(ImportantDate), validate=validate.Length(max=20), **opt),
        "classes": _enum_list(CLASSES, 10, **opt),
        "tags": fields.List(fields.String(validate=validate.Length(1, 30)), validate=validate.Length(max=30), **opt),
    }


def kind_problems(kind: str, data: dict) -> dict:
    """Cross-field rules, as field errors (used on create, update and import)."""
    errors: dict = {}
    wrong = CORPORATE_ONLY if kind == "individual" else INDIVIDUAL_ONLY
    for f in wrong:
        if data.get(f) not in (None, [], {}):
            errors[f] = [f"Not a field of {kind} customers."]
    if kind == "corporate":
        code = data.get("credit_code")
        if not code:
            errors["credit_code"] = ["Required for corporate customers."]
        elif (p := uscc_problem(code)):
            errors["credit_code"] = [p]
        return errors
    number, id_type = data.get("id_number"), data.get("id_type")
    if number and not id_type:
        errors["id_type"] = ["Required with id_number."]
    if id_type and not number:
        errors["id_number"] = ["Required with id_type."]
    if number and id_type == "resident_id":
        if (p := resident_id_problem(number)):
            errors["id_number"] = [p]
        elif data.get("birth_date") and birth_date_from_resident_id(number) != _as_date(data["birth_date"]):
            errors["birth_date"] = ["Does not match the birth date in the ID number."]
    elif number and id_type and not number.isalnum():
        errors["id_number"] = ["Letters and digits only."]
    return errors


def _as_date(v):
    return v.date() if hasattr(v, "date") and callable(v.date) else v


class _KindRules(Schema):
    @validates_schema
    def _kind(self, data, **kwargs):
        errors = kind_problems(data.get("kind", "individual"), data)
        if errors:
            raise ValidationError(errors)


CustomerIn = _KindRules.from_dict({
    "kind": fields.String(required=True, validate=validate.OneOf(KINDS)),
    "external_id": fields.String(validate=[validate.Length(1, 64),
                                           _regexp(r"^[A-Za-z0-9_.:-]+$", "Letters, digits and _.:- only.")],
                                 metadata={"description": "the source system's id: re-imports are idempotent on it"}),
    **_profile_fields(),
}, name="CustomerIn")

_patch = _profile_fields()
_patch["name"] = _text(100)
CustomerPatch = Schema.from_dict(_patch, name="CustomerPatch")


MASKED_BIRTH_DATE = "YYYY-MM-DD in clear; masked: --MM-DD (month and day, no year)"
MASKED = "masked unless the caller may unmask (docs/customer.md#masking)"


# -- output -----------------------------------------------------------------------
# What leaves the service, declared field by field: a generated client gets every shape,
# and (marshmallow dumps declared fields only) nothing undeclared is ever sent. Output
# fields carry no format validators: a masked value (`138****5678`) matches no input rule.

class IsoDate(fields.Date):
    """A date, also when stored as its ISO text (important dates are kept as text)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class AccountOut(Schema):
    number = fields.String(metadata={"description": MASKED, "example": "****5678"})
    kind = fields.String(validate=validate.OneOf(ACCOUNT_KINDS))


class ContactPersonOut(Schema):
    name = fields.String()
    role = fields.String()
    mobile = fields.String(metadata={"description": MASKED})
    phone = fields.String(metadata={"description": MASKED})
    email = fields.String(metadata={"description": MASKED})


class ImportantDateOut(Schema):
    kind = fields.String(validate=validate.OneOf(DATE_KINDS))
    date = IsoDate()
    label = fields.String()


def _strings(values=None, **kw):
    return fields.List(fields.String(validate=validate.OneOf(values) if values else None), **kw)


def _profile_out() -> dict:
    """The profile fields as sent: null only where the service sets null (a field never
    set, or cleared, is left out)."""
    text: dict[str, Any] = {"allow_none": True}
    return {
        "name": fields.String(),
        "manager_id": fields.String(**text),
        "mobile": fields.String(**text, metadata={"description": MASKED, "example": "138****5678"}),
        "phone": fields.String(**text, metadata={"description": MASKED, "example": "010-****78"}),
        "email": fields.String(**text, metadata={"description": MASKED, "example": "z***@example.com"}),
        "address": fields.String(**text, metadata={"description": MASKED}),
        "wechat": fields.String(**text, metadata={"description": MASKED}),
        "qq": fields.String(**text, metadata={"description": MASKED}),
        "gender": fields.String(**text, validate=validate.OneOf(GENDERS),
                                metadata={"description": "null when masked"}),
        "id_type": fields.String(**text, validate=validate.OneOf(ID_TYPES)),
        "id_number": fields.String(**text, metadata={"description": MASKED, "example": "4403"}),
        "occupation": fields.String(**text),
        "employer": fields.String(**text),
        "family": fields.Nested(Family),
        "investment_preferences": _strings(INVESTMENT_PREFS),
        "risk_tolerance": fields.String(**text, validate=validate.OneOf(RISK_TOLERANCE)),
        "credit_code": fields.String(**text),
        "industry": fields.String(**text),
        "size": fields.String(**text, validate=validate.OneOf(SIZES)),
        "legal_representative": fields.String(**text),
        "contacts": fields.List(fields.Nested(ContactPersonOut)),
        "financing_needs": _strings(FINANCING),
        "financial": fields.Nested(Financial),
        "needs": _strings(NEEDS),
        "accounts": fields.List(fields.Nested(AccountOut)),
        "preferred_channels": _strings(CHANNELS),
        "contact_times": _strings(CONTACT_TIMES),
        "important_dates": fields.List(fields.Nested(ImportantDateOut)),
        "classes": _strings(CLASSES),
        "tags": _strings(),
    }


class CustomerOut(Schema.from_dict(_profile_out(), name="CustomerOutBase")):  # type: ignore[misc]  # fields built once from the profile table
    id = fields.String()
    version = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    branch = fields.String(allow_none=True, metadata={"description": "the manager's branch; set by the system"})
    external_id = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True, metadata={"description": MASKED_BIRTH_DATE, "example": "--05-17"})
    tier = fields.String(allow_none=True, validate=validate.OneOf(TIERS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    age = fields.Integer(allow_none=True, metadata={"description": "null when masked (see age_band)"})
    age_band = fields.String(allow_none=True, metadata={"description": "under 30, 30-45, 46-55, 56-65, over 65 "
                                                                       "(the risk questionnaire's bands)"})
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(risk.LEVELS))
    risk_score = fields.Integer(allow_none=True)
    risk_assessed_at = fields.DateTime(allow_none=True)
    risk_valid_until = fields.Date(allow_none=True)
    risk_valid = fields.Boolean()
    last_confirmed_at = fields.DateTime(allow_none=True)
    reverification_due = fields.Boolean()
    masked = fields.Boolean(metadata={"description": "true when sensitive fields are masked (chassis/privacy.py: "
                                                     "gender and age are then null)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CustomerSummary(Schema):
    id = fields.String()
    kind = fields.String(validate=validate.OneOf(KINDS))
    name = fields.String()
    tier = fields.String(allow_none=True, validate=validate.OneOf(TIERS))
    classes = _strings(CLASSES, metadata={"description": "empty when none"})
    tags = _strings(metadata={"description": "empty when none"})
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True, metadata={"description": "always masked", "example": "138****5678"})
    birth_date = fields.String(allow_none=True,
                               metadata={"description": "always masked: --MM-DD", "example": "--05-17"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(risk.LEVELS))
    risk_valid_until = fields.Date(allow_none=True)
    last_confirmed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class CustomerPage(Schema):
    items = fields.List(fields.Nested(CustomerSummary))
    next_cursor = fields.String(allow_none=True, metadata={"description": "send as `cursor` for the next page; "
                                                                          "null on the last page"})


SORTS = {"name": [("name", 1)], "-name": [("name", -1)], "created_at": [("created_at", 1)],
         "-created_at": [("created_at", -1)], "birthday": [("birth_mmdd", 1)],
         "last_confirmed_at": [("last_confirmed_at", 1)]}


class CustomerQuery(PageQuery):
    name = fields.String(validate=validate.Length(1, 100), metadata={"description": "name prefix"})
    mobile = fields.String(validate=MOBILE)
    id_number = fields.String(validate=validate.Length(5, 20), metadata={"description": "exact; any document type"})
    id_type = fields.String(validate=validate.OneOf(ID_TYPES), metadata={"description": "narrows id_number"})
    credit_code = fields.String(validate=validate.Length(18, 18))
    external_id = fields.String(validate=validate.Length(1, 64))
    tier = fields.String(validate=validate.OneOf(TIERS))
    class_ = fields.String(data_key="class", validate=validate.OneOf(CLASSES))
    tag = fields.String(validate=validate.Length(1, 30))
    manager_id = fields.String(validate=validate.Length(1, 64))
    status = fields.String(validate=validate.OneOf(STATUSES))
    birthday_from = fields.Date()
    birthday_to = fields.Date()
    reverification_due = fields.Boolean()
    sort = fields.String(load_default="name", validate=validate.OneOf(list(SORTS)))

    @validates_schema
    def _window(self, data, **kwargs):
        a, b = data.get("birthday_from"), data.get("birthday_to")
        if (a is None) != (b is None):
            raise ValidationError("Give both birthday_from and birthday_to.", "birthday_to" if a else "birthday_from")
        if a and b < a:
            raise ValidationError("Must not be before birthday_from.", "birthday_to")


class CustomerSearch(CustomerQuery):
    """The filters of GET /customers as a JSON body, so a mobile or ID number being looked
    up travels in no URL (access logs, proxies, browser history). JSON has types, so
    numbers and booleans are taken as such (the query string's "20" and "true" are not)."""
    limit = fields.Integer(strict=True, load_default=CustomerQuery._declared_fields["limit"].load_default,
                           validate=CustomerQuery._declared_fields["limit"].validate)
    reverification_due = StrictBoolean()




class ConfirmIn(Schema):
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS))
    note = _text(200)


class ArchiveIn(Schema):
    reason = _text(200, required=True)


class AssignIn(Schema):
    manager_id = _text(64, required=True)
    reason = _text(200)


class TierRule(Schema):
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    min_aum_cents = fields.Integer(validate=AMOUNT, allow_none=True)
    min_annual_income_cents = fields.Integer(validate=AMOUNT, allow_none=True)
    min_products_held = fields.Integer(validate=validate.Range(0, 1000), allow_none=True)


class TierRulesIn(Schema):
    rules = fields.List(fields.Nested(TierRule), required=True, validate=validate.Length(1, len(TIERS)), metadata={
        "description": "each tier at most once, from standard (required, no threshold) up; every threshold "
                       "given must rise with the tier"})


class TierRulesOut(Schema):
    version = fields.Integer()
    rules = fields.List(fields.Nested(TierRule))
    updated_at = fields.DateTime(allow_none=True)


class RiskIn(Schema):
    customer_id = fields.String(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "question id → option chosen, for every question of GET /risk/questionnaire and no "
                       "other (422 names each question missing, unknown or answered with an unknown option)"})

    @validates_schema
    def _answers(self, data, **kwargs):
        errors = risk.answers_problems(data.get("answers") or {})
        if errors:
            raise ValidationError({"answers": errors})


class SuitabilityQuery(Schema):
    customer_id = fields.String(required=True)
    product_risk = fields.String(required=True, validate=validate.OneOf(risk.PRODUCT_LEVELS))


class ExpiringQuery(Schema):
    within_days = fields.Integer(load_default=30, validate=validate.Range(0, 366))
    manager_id = fields.String()
    include_expired = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class WorklistQuery(Schema):
    manager_id = fields.String(required=True)
    date = fields.Date(load_default=date.today, validate=DAY,
                       metadata={"description": "default today; 1900-01-01 to 2999-12-31"})
    risk_within_days = fields.Integer(load_default=30, validate=validate.Range(0, 366))


class StatsQuery(Schema):
    manager_ids = fields.String(metadata={"description": "comma-separated; default: every manager visible"})
    from_ = fields.Date(data_key="from", validate=DAY, metadata={"description": "1900-01-01 to 2999-12-31"})
    to = fields.Date(validate=DAY, metadata={"description": "inclusive; 1900-01-01 to 2999-12-31"})


# -- field errors in a 200 answer (the import report) ------------------------------
_MESSAGES = {"type": "array", "items": {"type": "string"}}


def _errors_value(depth: int) -> dict:
    if depth == 0:
        return _MESSAGES
    return {"anyOf": [_MESSAGES, {"type": "object", "additionalProperties": _errors_value(depth - 1)}]}


def field_errors(**kw) -> fields.Dict:
    """marshmallow's error map, as in a 422 problem: field → list of messages, or for a
    nested field or list item (keyed by its index) the same map one level down."""
    metadata = {"description": "field → messages; a nested field or list item (by index) holds the same map",
                "example": {"mobile": ["Not a mainland mobile number (11 digits starting 13-19)."],
                            "accounts": {"0": {"number": ["An account number is 12-19 digits."]}}},
                **kw.pop("metadata", {})}
    return fields.Dict(keys=fields.String(), values=fields.Raw(metadata=_errors_value(3)), metadata=metadata, **kw)
