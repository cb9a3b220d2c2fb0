"""Composing Mongo filters."""
from __future__ import annotations


def all_of(*parts: dict) -> dict:
    """The conjunction of filters, empty ones dropped (``{}`` alone matches everything)."""
    kept = [p for p in parts if p]
    if not kept:
        return {}
    return kept[0] if len(kept) == 1 else {"$and": kept}
