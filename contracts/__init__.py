"""Event contracts shared between services: names, versions, data schemas, consumers.

A service imports ``chassis``, ``contracts`` and itself, never another service.
Each module here belongs to the context that produces the events; a consuming
service adds its name to ``consumers`` (a test checks these lists against the
handlers each worker actually registers), and docs/events.md is rendered from
these declarations (``python -m contracts.render``).
"""
from . import core_banking, customer, engagement, feedback, financial, staff  # noqa: F401  (registers everything)
