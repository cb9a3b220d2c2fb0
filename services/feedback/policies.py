"""Admin-editable settings with documented defaults (docs/feedback.md)."""
from __future__ import annotations

import copy

from chassis.exceptions import AlreadyExists, StaleVersion
from chassis.identity import Identity

from . import rules
from .bootstrap import ports
from .models import Policy

store = ports.policies

SLA = "sla"
FOLLOWUP = "followup"
DEFAULT_FOLLOWUP_TEMPLATE = "followup-default"

DEFAULTS = {
    SLA: {"table": rules.DEFAULT_SLA_TABLE, "near_fraction": rules.DEFAULT_NEAR_FRACTION,
          "confirm_timeout_hours": rules.DEFAULT_CONFIRM_TIMEOUT_HOURS},
    # which survey each trigger sends (None: the built-in follow-up template) and the cap
    FOLLOWUP: {"cap_days": rules.DEFAULT_CAP_DAYS, "cap_count": rules.DEFAULT_CAP_COUNT,
               "triggers": {"visit": None, "activity": None, "complaint": None},
               "enabled": {"visit": True, "activity": True, "complaint": True}},
}


def current(kind: str) -> tuple[dict, int]:
    """(value, version); version 0 means the defaults, never edited."""
    doc = store.get(kind)
    if doc is None:
        return copy.deepcopy(DEFAULTS[kind]), 0
    return {**copy.deepcopy(DEFAULTS[kind]), **doc.value}, doc.version


def sla() -> dict:
    return current(SLA)[0]


def followup() -> dict:
    return current(FOLLOWUP)[0]


def put(kind: str, value: dict, expected_version: int, who: Identity) -> tuple[dict, int]:
    """Replace a policy; If-Match version 0 means "over the defaults"."""
    from chassis.errors import precondition_failed
    doc = store.get(kind)
    if doc is None:
        if expected_version != 0:
            raise precondition_failed(current_version=0)
        try:
            doc = store.create(Policy(id=kind, value=value), who, reason=f"{kind} policy set")
        except AlreadyExists:
            raise StaleVersion(current_version=1) from None
    else:
        def change(d):
            d.value = value
        doc = store.update(kind, expected_version, change, who, reason=f"{kind} policy changed")
    return current(kind)
