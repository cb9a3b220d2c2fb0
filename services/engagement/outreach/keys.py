"""The secrets outreach signs with, set once per process from its settings (app factory, worker)."""
from __future__ import annotations

_secret: dict[str, str] = {}


def configure(internal_secret: str) -> None:
    _secret["internal"] = internal_secret


def internal() -> str:
    if "internal" not in _secret:
        from chassis.config import secret
        _secret["internal"] = secret("CRM_INTERNAL_SECRET")
    return _secret["internal"]
