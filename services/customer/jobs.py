"""Periodic work of the customer worker."""

from chassis import clock

from . import opportunities, service


def retier() -> int:
    """Re-tier customers scored under older tier rules, a batch per round."""
    total = 0
    while True:
        n = service.retier_batch()
        total += n
        if n == 0:
            return total


def expire_opportunities() -> int:
    """Open opportunities past their day become expired."""
    return opportunities.expire_due(clock.today())


def life_events() -> int:
    """Birthdays entering an age band open an opportunity (once per customer and age)."""
    return opportunities.open_from_birthdays(clock.today())
