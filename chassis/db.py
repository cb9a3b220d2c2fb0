"""One MongoDB database per service, under a mongoengine alias named after it.

Every model declares ``meta = {"db_alias": "<service>"}`` (a unit test checks
it), so several services can live in one process (tests, tools) without their
models ever resolving to another service's database.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import mongoengine
from flask import current_app, has_app_context
from pymongo.database import Database

from .config import Settings


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
