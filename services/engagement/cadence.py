"""Contact cadence (沟通频率): how often each tier and class is to be contacted.

Defaults live in ``rules.DEFAULT_CADENCE``; admins override one tier or class at a time.
"""
from __future__ import annotations

from chassis import identity
from chassis.errors import invalid, precondition_required
from chassis.identity import Identity

from . import rules
from .bootstrap import ports
from .models import CadenceRule

store = ports.cadence_rules


def intervals() -> dict[str, int]:
    """Defaults overlaid with what admins configured: rule key → days."""
    merged = dict(rules.DEFAULT_CADENCE)
    for r in CadenceRule._get_collection().find({}, {"interval_days": 1}):
        merged[r["_id"]] = r["interval_days"]
    return merged


def set_rule(kind: str, value: str, interval_days: int, expected_version: int | None, who: Identity) -> CadenceRule:
    """Create the rule for a tier or class, or change it (then ``expected_version`` is required)."""
    who.ensure_role(identity.ADMIN)
    if kind not in ("tier", "class"):
        raise invalid({"kind": ["Must be one of: tier, class."]})
    if kind == "tier" and value not in rules.TIERS:
        raise invalid({"value": [f"Must be one of: {', '.join(rules.TIERS)}."]})
    key = rules.cadence_key(kind, value)
    existing = store.get(key)
    if existing is None:
        return store.create(CadenceRule(id=key, kind=kind, value=value, interval_days=interval_days), who)
    if expected_version is None:
        raise precondition_required()
    return store.update(key, expected_version, lambda d: setattr(d, "interval_days", interval_days), who,
                        current=existing)
