"""Pure rules of retention and effect (no I/O): when a customer with no contact becomes a
lapse (a churn signal, once per stale episode), and which opened products an activity's
attendees count for. Kept beside ``rules.py`` so the engagement policy has one home.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# Built-in branch policy (an admin's EngagementPolicy overrides it per branch).
DEFAULT_POLICY = {"no_contact_days": 90, "products_window_days": 30}
LIMITS = {"no_contact_days": (1, 3660), "products_window_days": (1, 366)}


def policy_problems(policy: dict) -> dict:
    errors: dict = {}
    for name, (low, high) in LIMITS.items():
        v = policy.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            errors[name] = [f"Between {low} and {high}."]
    return errors


def lapse_key(customer_id: str, since: date) -> str:
    """The stale episode: a customer and the day it started. A new contact moves ``since``,
    so the next lapse is another episode with another key."""
    return f"{customer_id}:{since.isoformat()}"


def lapse(last_contact: date | None, watched_since: date | None, threshold_days: int,
          today: date) -> date | None:
    """The day the stale episode started when the customer has now gone ``threshold_days``
    or more without contact; None when not (yet). A customer never contacted is measured
    from the day engagement began watching them (None: not watched yet, so not stale)."""
    since = last_contact or watched_since
    if since is None or since > today:
        return None
    return since if (today - since).days >= threshold_days else None


def products_after(attendees: Iterable[str], openings: Iterable[dict], held_on: date,
                   window_days: int) -> dict:
    """Products opened by attendees from the activity's day to ``window_days`` after it:
    how many, and by how many attendees. ``openings``: {customer_id, opened_on (ISO day)}."""
    who = set(attendees)
    first, last = held_on.isoformat(), (held_on + timedelta(days=window_days)).isoformat()
    counted = [o for o in openings if o["customer_id"] in who and first <= o["opened_on"] <= last]
    return {"products_opened": len(counted), "attendees_with_products": len({o["customer_id"] for o in counted})}
