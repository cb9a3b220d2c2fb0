"""Periodic work of the customer worker."""
from . import service


def retier() -> int:
    """Re-tier customers scored under older tier rules, a batch per round."""
    total = 0
    while True:
        n = service.retier_batch()
        total += n
        if n == 0:
            return total
