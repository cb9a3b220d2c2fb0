"""Inbound contract: account events from the core banking system (outside this product).

The core system publishes these on the suite's topic exchange with the event
type as routing key, in the common envelope (subject = customer id). Account
numbers travel only as a masked tail (``account_ref`` = "****1234"); the
engagement service turns each event into a reminder on the owning manager's
worklist, idempotently by the envelope id.
"""
from marshmallow import fields

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
    "core.deposit.maturing", 1, PRODUCER, "A time deposit matures soon.", DepositMaturingData,
    consumers=("engagement",))
ACCOUNT_DORMANT = event_type(
    "core.account.dormant", 1, PRODUCER, "An account became dormant (no activity for the core system's period).",
    AccountDormantData, consumers=("engagement",))
