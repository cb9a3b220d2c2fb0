"""Customer documents (mongoengine). Aggregates are written only through the
versioned store (chassis.store.AggregateStore); validation lives in schemas.py,
so nested groups are plain dicts here."""
from mongoengine import DateTimeField, DictField, IntField, ListField, StringField

from chassis.models import Aggregate


class Customer(Aggregate):
    kind = StringField(required=True, choices=("individual", "corporate"))
    name = StringField(required=True, max_length=200)
    external_id = StringField()
    manager_id = StringField()
    branch = StringField()
    status = StringField(default="active", choices=("active", "archived"))
    # contacts (mobile, phone, email, address are sensitive: masked on the way out)
    mobile = StringField()
    phone = StringField()
    email = StringField()
    address = StringField()
    wechat = StringField()
    qq = StringField()
    # individual
    gender = StringField()
    birth_date = DateTimeField()      # midnight UTC: BSON has no date type
    id_type = StringField()
    id_number = StringField()
    occupation = StringField()
    employer = StringField()
    family = DictField()
    investment_preferences = ListField(StringField())
    risk_tolerance = StringField()    # self-declared; the assessed level is risk_level
    # corporate
    credit_code = StringField()
    industry = StringField()
    size = StringField()
    legal_representative = StringField()
    contacts = ListField(DictField())
    financing_needs = ListField(StringField())
    # both
    financial = DictField()
    needs = ListField(StringField())
    accounts = ListField(DictField())
    preferred_channels = ListField(StringField())
    contact_times = ListField(StringField())
    important_dates = ListField(DictField())   # [{kind, date: "YYYY-MM-DD", label}]
    classes = ListField(StringField())
    tags = ListField(StringField())
    # tiering
    tier = StringField()
    tier_rules_version = IntField()
    # AUM core banking reports (financial picture, issue #13): when present the tier uses it, not
    # financial.aum_cents, which stays as the declared figure (services/customer/financial.py)
    reported_aum_cents = IntField()
    # risk assessment (answers kept; every assessment is a version in the history)
    risk_level = StringField()
    risk_score = IntField()
    risk_answers = DictField()
    risk_assessed_at = DateTimeField()
    risk_valid_until = DateTimeField()
    credit_grade = StringField()      # corporate customers: A–D from their own assessment (corporate.py)
    credit_score = IntField()
    # re-verification
    last_confirmed_at = DateTimeField()
    # Derived search keys. Natural keys are always-present unique values: unique
    # indexes are the one write FerretDB makes atomic, so they (not a prior read)
    # stop duplicates. birth_mmdd makes a birthday window a range query.
    mobile_key = StringField(required=True)
    id_key = StringField(required=True)
    external_key = StringField(required=True)
    birth_mmdd = StringField()

    meta = {
        "db_alias": "customer",
        "collection": "customers",
        "indexes": [
            {"fields": ["mobile_key"], "unique": True, "name": "uniq_mobile"},
            {"fields": ["id_key"], "unique": True, "name": "uniq_id_document"},
            {"fields": ["external_key"], "unique": True, "name": "uniq_external_id"},
            {"fields": ["manager_id", "name"], "name": "by_manager"},
            {"fields": ["branch", "name"], "name": "by_branch_name"},
            {"fields": ["name"], "name": "by_name"},
            {"fields": ["tier", "name"], "name": "by_tier"},
            {"fields": ["classes"], "name": "by_class"},
            {"fields": ["tags"], "name": "by_tag"},
            {"fields": ["birth_mmdd"], "name": "by_birthday"},
            {"fields": ["last_confirmed_at"], "name": "by_last_confirmed"},
            {"fields": ["risk_valid_until"], "name": "by_risk_valid_until"},
            {"fields": ["tier_rules_version"], "name": "by_tier_rules_version"},
            {"fields": ["created_at"], "name": "by_created"},
        ],
    }


    def to_mongo(self, *args, **kwargs):
        # Empty lists and dicts are left out of the stored document (they read
        # back as their defaults): a bulk import writes each document twice
        # (document + change record), and FerretDB's cost grows with its size.
        son = super().to_mongo(*args, **kwargs)
        for key in [k for k, v in son.items() if v == [] or v == {}]:
            del son[key]
        return son


class TierRules(Aggregate):
    """The one rule set (id "default"); versioned like any aggregate, so edits
    are optimistic (If-Match) and their history is kept."""
    rules = ListField(DictField())

    meta = {"db_alias": "customer", "collection": "tier_rules"}
