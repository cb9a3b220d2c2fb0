"""Versioned aggregate store: history, optimistic concurrency and outbox in one record.

FerretDB 1.x applies updates as read-then-write, so two writers racing on one
document can lose an update even with a conditional filter; inserts against a
unique index, however, are atomic there and on MongoDB alike. Every change is
therefore first *inserted* as a change record whose ``_id`` is
``<type>:<aggregate id>:<new version>``:

* the loser of a race gets a duplicate key and a 412, never a silent overwrite;
* the record carries the new state, the field diff (history), who and why, and
  the events to publish — one atomic insert, so an event cannot be lost
  between the data write and the publish;
* the aggregate document is then brought up to that version. If the process
  dies in between, the relay repairs it from the record (``chassis.events.relay.settle``).

Records wait in the small ``outbox`` collection until their events are
published, then move to ``changes``, the permanent history. Keeping pending
records apart keeps the relay's poll cheap: FerretDB's SQLite backend scans a
whole collection for any query not by ``_id``, and history only grows.

Publish on commit: when the process registered an ``AfterCommit`` hook for the
database (the app factory and the worker do), the store hands it the records
of every write that succeeded, and the hook publishes and settles them at once
(``chassis.events.publisher``). Such a record carries ``relay_after``: the relay
leaves it to its writer until then, and takes it over only if it is still
pending (the process died, or the broker was away). Without a hook, the relay
publishes every record once the aggregate has reached the record's version (so
a change refused afterwards, e.g. by a natural-key clash, never leaks an event).

Bulk creations (the customer importer) may instead write their records straight to
``changes`` with one *marker* in the outbox naming them (``create_states`` with
``marker=True``): the hook publishes their events and deletes the marker; the relay
takes over a marker still there after its ``relay_after``. Such a record is in
history before its event is out, but no reader shows it before its document exists.
The store itself knows nothing of brokers or Flask.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from mongoengine import Document
from mongoengine.errors import ValidationError as MEValidationError
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from . import context as trace
from .events.envelope import Envelope
from .exceptions import AlreadyExists, DomainError, InvalidRecord, NotFound, StaleVersion, UniqueClash
from .identity import Identity

log = logging.getLogger(__name__)

CHANGES = "changes"
OUTBOX = "outbox"
MARKER = "marker:"    # an outbox marker's id prefix (AggregateStore.create_states with marker=True)
DUPLICATE_KEY = 11000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def is_duplicate(exc: Exception) -> bool:
    """A unique-index refusal, as MongoDB and FerretDB 1.24 each report it."""
    if isinstance(exc, DuplicateKeyError):
        return True
    if not isinstance(exc, OperationFailure):
        return False
    if exc.code == DUPLICATE_KEY:
        return True
    # FerretDB 1.24 reports a unique clash on *update* as InternalError (code 1)
    # carrying the backend's message (SQLite; PostgreSQL's SQLSTATE 23505).
    text = str(exc)
    return exc.code == 1 and ("UNIQUE constraint failed" in text or "23505" in text
                              or "duplicate key value" in text)


def change_id(aggregate_type: str, aggregate_id: str, version: int) -> str:
    return f"{aggregate_type}:{aggregate_id}:{version}"


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-level field changes, old → new (bookkeeping fields left out)."""
    skip = {"_id", "version", "updated_at", "created_at", "_cls"}
    before = before or {}
    out = []
    for key in sorted(set(before) | set(after)):
        if key in skip:
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            out.append({"field": key, "old": old, "new": new})
    return out


def creation_diff(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A change record's field diff. A creation stored without one (``create_states`` with
    ``diff=False``) changed every field of its state, so its diff is rebuilt from the state."""
    if "diff" in record:
        return list(record["diff"] or [])
    return diff(None, record.get("state") or {}) if record.get("version") == 1 else []


def fill_creation_diffs(db: Database, records: Iterable[dict[str, Any]]) -> None:
    """Give creations read without their state (``{"state": 0}``) and stored without a diff
    the diff they stand for, in place: one query per collection, only when there are any."""
    bare = {r["_id"]: r for r in records if "diff" not in r and r.get("version") == 1}
    if not bare:
        return
    # Outbox first, as everywhere: a record moved meanwhile is then found in history.
    for name in (OUTBOX, CHANGES):
        for found in db[name].find({"_id": {"$in": list(bare)}}, {"state": 1, "version": 1}):
            bare[found["_id"]]["diff"] = creation_diff(found)


# A change to an aggregate: mutates the document, returns the events it causes (or None).
Change = Callable[[Document], Iterable[Envelope] | None]


class AfterCommit(Protocol):
    """Receives the change records of a write that succeeded (chassis.events.publisher).

    ``lease`` is how long its writer keeps a record: the relay leaves it alone until
    then. A hook must not raise and must return quickly whatever the broker does."""

    lease: timedelta

    def __call__(self, db: Database, records: Sequence[dict[str, Any]]) -> None: ...

    def marked(self, db: Database, marker: dict[str, Any], records: Sequence[dict[str, Any]]) -> None:
        """The same for a write whose records went straight to history under one outbox
        marker: publish their events, then settle the marker (delete it)."""


# By database name: several services can share one process (tests, tools), each with its own.
_after_commit: dict[str, AfterCommit] = {}


def after_commit(db: Database, hook: AfterCommit | None) -> AfterCommit | None:
    """Register (or with None, remove) the hook for writes to ``db``; returns the previous one."""
    previous = _after_commit.pop(db.name, None)
    if hook is not None:
        _after_commit[db.name] = hook
    return previous


class AggregateStore:
    """Writes one kind of aggregate (a mongoengine ``Aggregate`` subclass)."""

    def __init__(self, model: type[Document], aggregate_type: str):
        self.model = model
        self.type = aggregate_type

    # -- collections -----------------------------------------------------------
    @property
    def collection(self) -> Collection:
        return self.model._get_collection()

    @property
    def changes(self) -> Collection:
        return self.collection.database[CHANGES]

    @property
    def outbox(self) -> Collection:
        return self.collection.database[OUTBOX]

    # -- reads -------------------------------------------------------------------
    def get(self, aggregate_id: str) -> Document | None:
        son = self.collection.find_one({"_id": aggregate_id})
        return self.model._from_son(son) if son else None

    def require(self, aggregate_id: str, what: str | None = None) -> Document:
        doc = self.get(aggregate_id)
        if doc is None:
            raise NotFound(what or self.type)
        return doc

    def history(self, aggregate_id: str, limit: int = 100,
                before_version: int | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"aggregate_type": self.type, "aggregate_id": aggregate_id}
        if before_version is not None:
            query["version"] = {"$lt": before_version}
        current = self.collection.find_one({"_id": aggregate_id}, {"version": 1})
        if current:  # a pending record above the document's version is not (yet) history
            query["version"] = {**query.get("version", {}), "$lte": current["version"]}
        else:
            return []
        # Outbox first: the relay inserts into history before it deletes from the
        # outbox, so reading in this order cannot miss a record being moved.
        records = {r["_id"]: r for coll in (self.outbox, self.changes)
                   for r in coll.find(query, {"state": 0, "events": 0})}
        page = sorted(records.values(), key=lambda r: r["version"], reverse=True)[:limit]
        fill_creation_diffs(self.collection.database, page)
        return page

    # -- writes ------------------------------------------------------------------
    def create(self, doc: Document, actor: Identity, events: Iterable[Envelope] = (), *,
               channel: str | None = None, reason: str | None = None) -> Document:
        now = _now()
        doc.version = 1
        doc.created_at = doc.created_at or now
        doc.updated_at = now
        self._validate(doc)
        state = doc.to_mongo().to_dict()
        hook = self._hook()
        record = self._record(doc.id, 1, None, state, list(events), actor, channel, reason, now, hook)
        try:
            self.outbox.insert_one(record)
        except Exception as exc:
            if is_duplicate(exc):
                raise self._exists(doc.id) from None
            raise
        try:
            self.collection.insert_one(state)
        except Exception as exc:
            self.outbox.delete_one({"_id": record["_id"]})
            if is_duplicate(exc):
                # The id itself (an idempotent create seen twice) or a unique natural key.
                if self.collection.find_one({"_id": doc.id}, {"_id": 1}):
                    raise self._exists(doc.id) from None
                raise self._clash(doc.id) from None
            raise
        self._committed(hook, [record])
        return doc

    def create_many(self, docs: list[Document], actor: Identity,
                    events_for: Callable[[Document], list[Envelope]], *,
                    channel: str | None = None,
                    reason: str | None = None) -> tuple[list[Document], dict[int, DomainError]]:
        """Bulk create: two unordered insert_many calls. Returns (created, {index: problem})."""
        now = _now()
        for doc in docs:
            doc.version, doc.created_at, doc.updated_at = 1, doc.created_at or now, now
        errors = self.create_states([doc.to_mongo().to_dict() for doc in docs], actor,
                                    [events_for(doc) for doc in docs], channel=channel, reason=reason, at=now)
        return [docs[i] for i in range(len(docs)) if i not in errors], errors

    def create_states(self, states: list[dict[str, Any]], actor: Identity, events: Sequence[list[Envelope]], *,
                      channel: str | None = None, reason: str | None = None, diff: bool = True,
                      at: datetime | None = None, marker: bool = False) -> dict[int, DomainError]:
        """Bulk create from stored documents (``to_mongo`` form, ``_id`` set; ``events[i]``
        for ``states[i]``), for callers that build them without a mongoengine document (the
        customer importer). The states get version 1 and their timestamps here.

        ``diff=False`` leaves the field diff out of the change records: on creation it only
        repeats the state, and it was the largest part of each record. Readers get it back
        with ``creation_diff`` (store.history does). ``marker=True`` writes the change records
        straight to history with one outbox marker for the whole write (``_create_marked``).
        Returns {index: problem} for the refused."""
        now = at or _now()
        records: list[dict[str, Any]] = []
        hook = self._hook()
        for state, evs in zip(states, events):
            state["version"] = 1
            state["created_at"] = state.get("created_at") or now
            state["updated_at"] = now
            records.append(self._record(state["_id"], 1, None, state, evs, actor, channel, reason, now, hook,
                                        with_diff=diff))
        if marker:
            return self._create_marked(states, records, hook, now)
        errors = self._insert_creations(self.outbox, states, records)
        self._committed(hook, [records[i] for i in range(len(states)) if i not in errors])
        return errors

    def _create_marked(self, states: list[dict[str, Any]], records: list[dict[str, Any]],
                       hook: AfterCommit | None, now: datetime) -> dict[int, DomainError]:
        """A bulk creation at the cost of its two inserts: the change records go straight to
        history, and the outbox gets one small marker naming them, deleted once their events
        are confirmed. Moving each record from the outbox to history after the publish (an
        insert and a delete per row) doubled the database writes of an import.

        Order: marker, records, documents. A crash before the documents leaves records the
        relay completes or voids from the marker (``relay.settle_marked``); until then a
        reader finds a record above its aggregate's version (none: no document) and skips
        it, as it skips a pending outbox record. Readers that read "outbox, then history"
        find these records in history; the marker carries no aggregate fields, so no reader
        of change records takes it for one."""
        mark = {"_id": f"{MARKER}{uuid.uuid4()}", "collection": self.collection.name,
                "records": [r["_id"] for r in records], "recorded_at": now, "status": "pending"}
        if hook is not None:
            mark["relay_after"] = now + hook.lease
        self.outbox.insert_one(mark)
        for r in records:   # history's form (history.to_history): written, its marker keeps it pending
            r["status"], r["settled_at"] = "published", now
            r.pop("relay_after", None)
        errors = self._insert_creations(self.changes, states, records)
        written = [records[i] for i in range(len(states)) if i not in errors]
        if hook is not None:
            try:
                hook.marked(self.collection.database, mark, written)
            except Exception as exc:  # never fail a stored write; the relay takes the marker after the lease
                log.warning("publish on commit failed; the relay will publish", extra={"error": repr(exc)[:300]})
        return errors

    def _insert_creations(self, records_to: Collection, states: list[dict[str, Any]],
                          records: list[dict[str, Any]]) -> dict[int, DomainError]:
        """Insert the change records (into ``records_to``), then the documents of those that
        went in; a document refused takes its record out again. {index: problem}."""
        errors: dict[int, DomainError] = {}
        failed_records = self._insert_many(records_to, records)
        for i in failed_records:
            errors[i] = self._exists(states[i]["_id"])
        keep = [i for i in range(len(states)) if i not in failed_records]
        failed_docs = self._insert_many(self.collection, [states[i] for i in keep])
        refused = [records[keep[j]]["_id"] for j in failed_docs]
        if refused:
            records_to.delete_many({"_id": {"$in": refused}})
            existing = {d["_id"] for d in self.collection.find(
                {"_id": {"$in": [states[keep[j]]["_id"] for j in failed_docs]}}, {"_id": 1})}
            for j in failed_docs:
                i = keep[j]
                sid = states[i]["_id"]
                errors[i] = self._exists(sid) if sid in existing else self._clash(sid)
        return errors

    def update(self, aggregate_id: str, expected_version: int | None,
               change: Change, actor: Identity, *,
               channel: str | None = None, reason: str | None = None,
               current: Document | None = None) -> Document:
        """Apply ``change`` (which mutates the document and returns events).

        ``expected_version`` None means "whatever is current" (used by workers
        and consumers, which retry on conflict); otherwise a stale version is 412.
        """
        doc = current or self.require(aggregate_id)
        if expected_version is not None and doc.version != expected_version:
            raise StaleVersion(current_version=doc.version)
        before = doc.to_mongo().to_dict()
        old_version = doc.version
        events = list(change(doc) or [])
        now = _now()
        doc.updated_at = now
        self._validate(doc)
        after = doc.to_mongo().to_dict()
        if not diff(before, after) and not events:
            return doc  # nothing changed: no version, no history, no event
        doc.version = old_version + 1
        after["version"] = doc.version
        hook = self._hook()
        record = self._record(aggregate_id, doc.version, before, after, events, actor, channel, reason, now, hook)
        try:
            self.outbox.insert_one(record)
        except Exception as exc:
            if is_duplicate(exc):
                raise StaleVersion(current_version=old_version + 1) from None
            raise
        try:
            res = self.collection.replace_one({"_id": aggregate_id, "version": old_version}, after)
        except Exception as exc:
            self.outbox.delete_one({"_id": record["_id"]})
            if is_duplicate(exc):
                raise self._clash(aggregate_id) from None
            raise
        if res.matched_count == 0:
            # We read a version whose successor was already applied and moved to
            # history, so our record's id was free again: we lost the race.
            self.outbox.delete_one({"_id": record["_id"]})
            raise StaleVersion()
        self._committed(hook, [record])
        return doc

    def update_with_retry(self, aggregate_id: str, change: Change, actor: Identity, attempts: int = 5,
                          **kw: Any) -> Document:
        """For workers and consumers: re-read and re-apply on a lost race."""
        for attempt in range(attempts):
            try:
                return self.update(aggregate_id, None, change, actor, **kw)
            except StaleVersion:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    # -- helpers -------------------------------------------------------------------
    def _record(self, aggregate_id: str, version: int, before: dict[str, Any] | None, after: dict[str, Any],
                events: list[Envelope], actor: Identity, channel: str | None, reason: str | None,
                now: datetime, hook: AfterCommit | None = None, with_diff: bool = True) -> dict[str, Any]:
        # Events caused by a request or by an event carry its correlation id across services.
        ids = trace.current()
        for ev in events:
            ev.subject_version = version
            ev.correlation_id = ev.correlation_id or ids.correlation_id
        record = {
            "_id": change_id(self.type, aggregate_id, version),
            "aggregate_type": self.type,
            "aggregate_id": aggregate_id,
            "collection": self.collection.name,
            "version": version,
            "recorded_at": now,
            "actor": {"user_id": actor.user_id, "role": actor.role},
            # Whose record this is, so the audit trail can be filtered by customer and
            # limited to the caller's branch for any kind of aggregate.
            "customer_id": after.get("customer_id") or (aggregate_id if self.type == "customer" else None),
            "branch": after.get("branch") or None,
            "channel": channel,
            "reason": reason,
            "request_id": ids.request_id,
            # A creation may leave it out (create_states): the state is the creation.
            "diff": diff(before, after) if with_diff or before is not None else None,
            "state": after,
            "events": [e.to_dict() for e in events],
            # Every record is settled (by its writer or the relay), even without events,
            # so a crash between the two writes is always repaired.
            "status": "pending",
        } | ({"relay_after": now + hook.lease} if hook is not None else {})
        if record["diff"] is None:
            del record["diff"]
        return record

    # -- publish on commit ---------------------------------------------------------
    def _hook(self) -> AfterCommit | None:
        return _after_commit.get(self.collection.database.name)

    def _committed(self, hook: AfterCommit | None, records: list[dict[str, Any]]) -> None:
        """The write is complete: let the hook publish and settle its records now."""
        if hook is None or not records:
            return
        try:
            hook(self.collection.database, records)
        except Exception as exc:  # never fail a stored write; the relay takes the records after the lease
            log.warning("publish on commit failed; the relay will publish", extra={"error": repr(exc)[:300]})

    @staticmethod
    def _insert_many(collection: Collection, docs: list[dict[str, Any]]) -> dict[int, Exception]:
        from pymongo.errors import BulkWriteError
        if not docs:
            return {}
        try:
            collection.insert_many(docs, ordered=False)
            return {}
        except BulkWriteError as bwe:
            failed: dict[int, Exception] = {}
            for err in bwe.details.get("writeErrors", []):
                if err.get("code") != DUPLICATE_KEY:
                    raise
                failed[err["index"]] = DuplicateKeyError(err.get("errmsg", "duplicate key"), DUPLICATE_KEY)
            return failed

    def _validate(self, doc: Document) -> None:
        try:
            doc.validate()
        except MEValidationError as exc:
            raise InvalidRecord({k: [str(v)] for k, v in (exc.to_dict() or {"_": exc.message}).items()}) from None

    def _exists(self, aggregate_id: str) -> AlreadyExists:
        return AlreadyExists(f"{self.type} {aggregate_id} already exists.", existing_id=aggregate_id)

    def _clash(self, aggregate_id: str) -> UniqueClash:
        return UniqueClash(f"Another {self.type} already holds a value that must be unique.")
