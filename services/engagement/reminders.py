"""Account reminders from core banking events (inbound contract: contracts/core_banking.py)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from pymongo.errors import DuplicateKeyError

from chassis import privacy
from chassis.errors import not_found
from chassis.events import Envelope

from . import scope, snapshots
from .models import Reminder

KINDS = {"core.account.balance_changed": "balance_changed", "core.deposit.maturing": "deposit_maturing",
         "core.account.dormant": "account_dormant"}
DETAIL_FIELDS = ("change_cents", "balance_cents", "currency", "maturity_date", "amount_cents", "dormant_since")


def _masked(ref: str | None) -> str | None:
    # The contract says masked, but never trust an outside system with that: it is
    # stored masked by the one policy, as an account number of a profile is shown.
    digits = "".join(ch for ch in (ref or "") if ch.isalnum())
    return privacy.account_number(digits) if digits else None


def _details(data: dict) -> dict:
    # Kept as the bank sent them, dates as ISO text (the reminder's free-form details).
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items() if k in DETAIL_FIELDS}


def apply(envelope: Envelope) -> bool:
    """Insert once per event id; the manager comes from the snapshot (read again at list time)."""
    data = envelope.data
    customer_id = data.get("customer_id") or envelope.subject
    snap = snapshots.get(customer_id)
    occurred = datetime.fromisoformat(envelope.occurred_at.replace("Z", "+00:00"))
    doc = {"_id": envelope.id, "kind": KINDS[envelope.type], "customer_id": customer_id,
           "manager_id": snap.manager_id if snap else None, "account_ref": _masked(data.get("account_ref")),
           "details": _details(data), "occurred_at": occurred,
           "received_at": datetime.now(timezone.utc), "status": "open"}
    try:
        Reminder._get_collection().insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def visible(reminder_id: str) -> dict:
    """The reminder, when its customer is in the caller's book now (404 otherwise)."""
    r = Reminder._get_collection().find_one({"_id": reminder_id})
    if r is None:
        raise not_found("reminder")
    scope.customer(r["customer_id"], what="reminder", read_through=False)
    return r


def set_status(reminder_id: str, status: str) -> dict:
    """Close (or reopen) a reminder the caller sees."""
    r = visible(reminder_id)
    # Setting a status is idempotent, so a plain update is safe even on FerretDB.
    Reminder._get_collection().update_one({"_id": reminder_id}, {"$set": {"status": status}})
    return {**r, "status": status}
