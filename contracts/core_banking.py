"""Inbound contract: account events from the core banking system (outside this product).

The core system publishes these on the suite's topic exchange with the event
type as routing key, in the common envelope (subject = customer id). Account
numbers travel only as a masked tail (``account_ref`` = "****1234"); the
engagement service turns each event into a reminder on the owning manager's
worklist, idempotently by the envelope id.

The financial picture (issue #13) adds state-carrying events: each says what is
true *as of* a date (a balance, a holding, a month), never a delta, so the
customer service applies them idempotently (the same fact twice changes nothing)
and order-safely (an older fact never overwrites a newer one). docs/core-banking.md
is the contract for the core system's team.
"""
from marshmallow import fields, validate

from chassis.events import EventData, event_type

PRODUCER = "core-banking (external)"


class AccountEventData(EventData):
    customer_id = fields.String(required=True)
    account_ref = fields.String(required=True, metadata={"description": "masked account tail, e.g. ****1234"})


class BalanceChangedData(AccountEventData):
    change_cents = fields.Integer(required=True, metadata={"description": "signed change in cents"})
    balance_cents = fields.Integer(allow_none=True)
    currency = fields.String(load_default="CNY")


class DepositMaturingData(AccountEventData):
    maturity_date = fields.Date(required=True)
    amount_cents = fields.Integer(required=True)
    currency = fields.String(load_default="CNY")


class AccountDormantData(AccountEventData):
    dormant_since = fields.Date(required=True)


BALANCE_CHANGED = event_type(
    "core.account.balance_changed", 1, PRODUCER,
    "A large balance change on a customer's account (threshold set by core banking).",
    BalanceChangedData, consumers=("engagement",))
DEPOSIT_MATURING = event_type(
    "core.deposit.maturing", 1, PRODUCER, "A time deposit matures soon (the customer service opens an opportunity "
    "to renew or reinvest it).", DepositMaturingData,
    consumers=("engagement", "customer"))
ACCOUNT_DORMANT = event_type(
    "core.account.dormant", 1, PRODUCER, "An account became dormant (no activity for the core system's period).",
    AccountDormantData, consumers=("engagement", "customer"))


# --- the financial picture (issue #13) -------------------------------------------------
PRODUCT_TYPES = ("deposit", "time_deposit", "wealth", "fund", "insurance", "loan")
BANDS = ("none", "low", "medium", "high", "very_high")
CHANNELS = ("counter", "atm", "online", "mobile", "wechat", "phone", "pos")


class CustomerFactData(EventData):
    customer_id = fields.String(required=True)
    as_of = fields.Date(required=True, metadata={"description": "the business day the figures are true for; "
                                                                "an older fact never overwrites a newer one"})


class BalancesReportedData(CustomerFactData):
    aum_cents = fields.Integer(required=True, validate=validate.Range(min=0), metadata={
        "description": "assets under management at the bank, all products, in cents (CNY)"})
    deposits_cents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    loans_cents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0),
                                 metadata={"description": "outstanding loans (not part of AUM)"})
    currency = fields.String(load_default="CNY")


class HoldingData(EventData):
    holding_id = fields.String(required=True, metadata={
        "description": "core banking's opaque id of the holding (never an account number)"})
    product_code = fields.String(required=True, metadata={"description": "the catalogue code, e.g. TD-3Y"})
    product_type = fields.String(required=True, validate=validate.OneOf(PRODUCT_TYPES))
    account_ref = fields.String(required=True, metadata={"description": "masked account tail, e.g. ****1234"})
    balance_cents = fields.Integer(required=True)
    opened_on = fields.Date(allow_none=True, load_default=None)
    maturity_date = fields.Date(allow_none=True, load_default=None)


class HoldingsReportedData(CustomerFactData):
    holdings = fields.List(fields.Nested(HoldingData), required=True, metadata={
        "description": "every open holding as of the day (a holding left out is not closed by it: "
                       "closing is core.product.closed)"})


class ProductOpenedData(CustomerFactData):
    holding_id = fields.String(required=True)
    product_code = fields.String(required=True)
    product_type = fields.String(required=True, validate=validate.OneOf(PRODUCT_TYPES))
    account_ref = fields.String(required=True)
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    maturity_date = fields.Date(allow_none=True, load_default=None)


class ProductClosedData(CustomerFactData):
    holding_id = fields.String(required=True)
    product_code = fields.String(required=True)
    product_type = fields.String(required=True, validate=validate.OneOf(PRODUCT_TYPES))
    account_ref = fields.String(required=True)


class ActivitySummarisedData(EventData):
    customer_id = fields.String(required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM"})
    transaction_count = fields.Integer(required=True, validate=validate.Range(min=0))
    amount_band = fields.String(required=True, validate=validate.OneOf(BANDS), metadata={
        "description": "none <1k, low <10k, medium <100k, high <1M, very_high ≥1M CNY moved in the month"})
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=list)
    month_end_aum_cents = fields.Integer(required=True, validate=validate.Range(min=0))


BALANCES_REPORTED = event_type(
    "core.customer.balances_reported", 1, PRODUCER,
    "A customer's AUM (and deposits, loans) as of a day; sent daily or on change. Feeds the financial picture, "
    "its monthly history, the tier (reported AUM wins over the declared figure) and churn signals.",
    BalancesReportedData, consumers=("customer",))
HOLDINGS_REPORTED = event_type(
    "core.customer.holdings_reported", 1, PRODUCER,
    "Every open holding of a customer as of a day, by product.", HoldingsReportedData, consumers=("customer",))
PRODUCT_OPENED = event_type(
    "core.product.opened", 1, PRODUCER,
    "A customer opened a product (wins a proposed opportunity for that product within its window; engagement "
    "counts products opened by an activity's attendees).",
    ProductOpenedData, consumers=("customer", "engagement"))
PRODUCT_CLOSED = event_type(
    "core.product.closed", 1, PRODUCER,
    "A customer closed a product (a key product closed raises a churn signal).", ProductClosedData,
    consumers=("customer",))
ACTIVITY_SUMMARISED = event_type(
    "core.activity.summarised", 1, PRODUCER,
    "A customer's month: transaction count, amount band, channels used, month-end AUM.",
    ActivitySummarisedData, consumers=("customer",))
