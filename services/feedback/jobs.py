"""Periodic work of the feedback worker."""
from chassis.identity import system

from . import complaints

ACTOR = system("feedback")


def sla_watch() -> int:
    """Escalate complaints near/past their deadlines (exactly once per breach)."""
    return complaints.escalate_due(ACTOR)


def confirmation_timeout() -> int:
    """Close resolutions the customer did not answer in time (documented timeout)."""
    return complaints.auto_confirm(ACTOR)
