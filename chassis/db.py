"""One MongoDB database per service, under a mongoengine alias named after it.

Every model declares ``meta = {"db_alias": "<service>"}`` (a unit test checks
it), so several services can live in one process (tests, tools) without their
models ever resolving to another service's database.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import mongoengine
from flask import current_app, has_app_context
from pymongo.database import Database

from .config import Settings

log = logging.getLogger(__name__)


def connect(settings: Settings) -> Database:
    alias = settings.service
    current = mongoengine.connection._connection_settings.get(alias)
    if current and (current.get("name") != settings.db_name or current.get("host") != [settings.mongo_url]):
        mongoengine.disconnect(alias)
        current = None
    if not current:
        mongoengine.register_connection(alias, db=settings.db_name, host=settings.mongo_url,
                                        tz_aware=True, uuidRepresentation="standard",
                                        serverSelectionTimeoutMS=5000, connect=False)
    return mongoengine.get_db(alias)


# Set by the worker while a handler or job runs, so chassis code shared by every
# service (the staff directory, audit) finds the service's database outside a request.
_worker_db: ContextVar[Database | None] = ContextVar("worker_db", default=None)


@contextmanager
def using(db: Database) -> Iterator[Database]:
    token = _worker_db.set(db)
    try:
        yield db
    finally:
        _worker_db.reset(token)


def database(alias: str | None = None) -> Database:
    """The current service's database (inside a request, the app's own; in a worker, its own)."""
    if alias is None:
        if has_app_context():
            return current_app.extensions["crm_db"]
        db = _worker_db.get()
        if db is None:
            raise RuntimeError("database() outside an app or worker needs the service alias")
        return db
    return mongoengine.get_db(alias)


# The chassis's own collections, read by customer or aggregate (history, the audit trail).
# On MongoDB these are ordinary indexes; on the devstack FerretDB they are what lets
# SQLite answer those reads from an index (devstack/ferretdb/patches) instead of scanning
# a history that only grows.
CHASSIS_INDEXES = {
    "changes": [([("aggregate_id", 1), ("version", 1)], "by_aggregate"),
                ([("customer_id", 1), ("recorded_at", -1)], "by_customer")],
    "outbox": [([("aggregate_id", 1), ("version", 1)], "by_aggregate")],
    "audit": [([("customer_id", 1), ("at", -1)], "by_customer")],
}


# A service's own plain collections (written with pymongo, not through a model) declare
# their indexes here when their module is imported; the app and the worker create them.
_DECLARED: dict[str, list[tuple[list[tuple[str, int]], str]]] = {}


def declare_indexes(indexes: dict[str, list[tuple[list[tuple[str, int]], str]]]) -> None:
    for collection, keys in indexes.items():
        known = _DECLARED.setdefault(collection, [])
        known.extend(k for k in keys if k not in known)


def ensure_chassis_indexes(db: Database) -> None:
    """Create them, and those services declared, if missing (idempotent). A database that
    is away is not a reason to refuse to start: the next process start creates them, reads
    are only slower meanwhile."""
    from pymongo.errors import PyMongoError
    try:
        for declared in (CHASSIS_INDEXES, _DECLARED):
            for collection, indexes in declared.items():
                for keys, name in indexes:
                    db[collection].create_index(keys, name=name)
    except PyMongoError as exc:
        log.warning("chassis indexes not created", extra={"error": exc.__class__.__name__})
