"""Documents of the financial picture, the product catalogue and the opportunity pipeline
(issue #13), kept apart from the customer archive's own models. Aggregates, written only
through the versioned store (``bootstrap.ports``)."""
from mongoengine import DateTimeField, DictField, IntField, ListField, StringField

from chassis.models import Aggregate

ALIAS = "customer"


class FinancialPicture(Aggregate):
    """One per customer (id = customer id), built from core-banking facts only.
    manager_id and branch are copied from the customer at each write, for lists."""
    customer_id = StringField()         # = id; names the customer in change records (audit by customer)
    manager_id = StringField()
    branch = StringField()
    aum_cents = IntField()
    deposits_cents = IntField()
    loans_cents = IntField()
    aum_as_of = StringField()           # ISO day
    dormant_since = StringField()
    holdings = ListField(DictField())   # {holding_id, product_code, product_type, account_ref (masked), ...}
    months = ListField(DictField())     # {month, aum_cents, aum_as_of, transaction_count, amount_band, channels}
    signals = ListField(DictField())    # {signal, key, raised_on}
    last_signal_on = StringField()      # newest raised_on, for the worklist's range query

    meta = {"db_alias": ALIAS, "collection": "pictures",
            "indexes": [{"fields": ["manager_id", "last_signal_on"], "name": "by_manager_signal"}]}


class FinancialPolicy(Aggregate):
    """Branch configuration (id = branch, or "default"): churn thresholds, the win window,
    the contribution formula. Versioned, so edits are If-Match and kept in history."""
    policy = DictField()

    meta = {"db_alias": ALIAS, "collection": "financial_policies"}


class Product(Aggregate):
    """A catalogue entry (id = product code). Admins edit it; every edit is a version."""
    name = StringField(required=True, max_length=200)
    product_type = StringField(required=True, choices=("deposit", "time_deposit", "wealth", "fund", "insurance",
                                                       "loan"))
    risk_level = StringField(choices=("R1", "R2", "R3", "R4", "R5"))
    term_months = IntField(min_value=1)
    currency = StringField(default="CNY")
    status = StringField(default="active", choices=("active", "retired"))

    meta = {"db_alias": ALIAS, "collection": "products",
            "indexes": [{"fields": ["product_type", "status"], "name": "by_type"}]}


class Opportunity(Aggregate):
    customer_id = StringField(required=True)
    manager_id = StringField()
    branch = StringField()
    source = StringField(required=True)
    source_ref = StringField()          # the visit, activity, deposit or signal it came from
    stage = StringField(required=True)
    product_code = StringField()
    product_type = StringField()
    proposed_at = DateTimeField()
    win_by = StringField()              # ISO day: won if the product is opened by then
    decided_at = DateTimeField()
    decline_reason = StringField()      # code, see pipeline.DECLINE_REASONS
    won_holding_id = StringField()
    closed_at = DateTimeField()
    expires_on = StringField()          # ISO day: still open then → expired
    note = StringField(max_length=2000)

    meta = {"db_alias": ALIAS, "collection": "opportunities",
            "indexes": [{"fields": ["customer_id", "stage"], "name": "by_customer"},
                        {"fields": ["manager_id", "stage"], "name": "by_manager"},
                        {"fields": ["stage", "expires_on"], "name": "by_expiry"}]}
