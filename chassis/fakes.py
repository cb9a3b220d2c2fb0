"""In-memory adapters for unit tests of the application layer (bound through ``chassis.ports``).

``FakeStore`` is the real ``AggregateStore`` — the same versioning, diff, change
records, events and domain exceptions — over in-memory collections, so a use case
tested with it behaves as in production up to the database. The collections answer
only what the store itself asks (by ``_id``; unique indexes from the model's meta);
queries of any other shape belong in integration tests on the real servers, and
raise here rather than answer wrongly.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from mongoengine import Document
from pymongo.errors import BulkWriteError, DuplicateKeyError

from .directory import StaffMember
from .store import DUPLICATE_KEY, AggregateStore


class _Result:
    def __init__(self, matched: int = 0, deleted: int = 0) -> None:
        self.matched_count = matched
        self.deleted_count = deleted


class FakeCollection:
    """A dict of documents by ``_id``, with the model's unique indexes enforced."""

    def __init__(self, name: str, unique: Iterable[tuple[str, ...]] = ()) -> None:
        self.name = name
        self.docs: dict[Any, dict[str, Any]] = {}
        self.unique = [tuple(u) for u in unique]

    def _clash(self, doc: dict[str, Any], ignore: Any = None) -> bool:
        if doc["_id"] in self.docs and doc["_id"] != ignore:
            return True
        for keys in self.unique:
            value = tuple(doc.get(k) for k in keys)
            if all(v is None for v in value):
                continue  # sparse: documents without the key do not clash
            if any(tuple(d.get(k) for k in keys) == value for i, d in self.docs.items() if i != doc["_id"]):
                return True
        return False

    def insert_one(self, doc: dict[str, Any]) -> None:
        if self._clash(doc):
            raise DuplicateKeyError("duplicate key", DUPLICATE_KEY)
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    def insert_many(self, docs: list[dict[str, Any]], ordered: bool = True) -> None:
        errors = []
        for i, doc in enumerate(docs):
            try:
                self.insert_one(doc)
            except DuplicateKeyError:
                errors.append({"index": i, "code": DUPLICATE_KEY, "errmsg": "duplicate key"})
                if ordered:
                    break
        if errors:
            raise BulkWriteError({"writeErrors": errors})

    def find_one(self, query: dict[str, Any], projection: Any = None) -> dict[str, Any] | None:
        doc = self.docs.get(self._by_id(query))
        return copy.deepcopy(doc) if doc is not None else None

    def find(self, query: dict[str, Any], projection: Any = None) -> list[dict[str, Any]]:
        ids = query.get("_id", {}).get("$in") if set(query) == {"_id"} and isinstance(query["_id"], dict) else None
        if ids is None:
            raise NotImplementedError(f"{self.name}: FakeCollection answers lookups by _id only; "
                                      "test queries against the real database")
        return [copy.deepcopy(self.docs[i]) for i in ids if i in self.docs]

    def replace_one(self, query: dict[str, Any], doc: dict[str, Any]) -> _Result:
        current = self.docs.get(self._by_id(query, extra={"version"}))
        if current is None or ("version" in query and current.get("version") != query["version"]):
            return _Result(matched=0)
        if self._clash(doc, ignore=doc["_id"]):
            raise DuplicateKeyError("duplicate key", DUPLICATE_KEY)
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        return _Result(matched=1)

    def delete_one(self, query: dict[str, Any]) -> _Result:
        return _Result(deleted=1 if self.docs.pop(self._by_id(query), None) is not None else 0)

    def delete_many(self, query: dict[str, Any]) -> _Result:
        ids = query["_id"]["$in"]
        return _Result(deleted=sum(1 for i in ids if self.docs.pop(i, None) is not None))

    def _by_id(self, query: dict[str, Any], extra: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
        if "_id" not in query or set(query) - {"_id"} - extra or isinstance(query["_id"], dict):
            raise NotImplementedError(f"{self.name}: FakeCollection answers lookups by _id only; "
                                      "test queries against the real database")
        return query["_id"]


def _unique_indexes(model: type[Document]) -> list[tuple[str, ...]]:
    out = []
    for spec in model._meta.get("indexes", []):
        if isinstance(spec, dict) and spec.get("unique"):
            out.append(tuple(f.lstrip("+-") for f in spec["fields"]))
    return out


class FakeStore(AggregateStore):
    """An ``AggregateStore`` whose collections live in memory."""

    def __init__(self, model: type[Document], aggregate_type: str) -> None:
        super().__init__(model, aggregate_type)
        self._collection = FakeCollection(model._meta.get("collection") or aggregate_type,
                                          _unique_indexes(model))
        self._outbox = FakeCollection("outbox")

    @property
    def collection(self) -> Any:
        return self._collection

    @property
    def outbox(self) -> Any:
        return self._outbox

    @property
    def changes(self) -> Any:
        raise NotImplementedError("history is read from the real database; test it there")

    def _hook(self) -> None:
        return None   # nothing is published from memory: the records are what a test reads

    # -- what a test asserts on ------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """The change records written, oldest first (none is relayed here)."""
        return sorted(self._outbox.docs.values(), key=lambda r: (r["recorded_at"], r["version"]))

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        """The events those records would publish, in order (optionally of one type)."""
        return [e for r in self.records() for e in r["events"] if type_ is None or e["type"] == type_]

    def put(self, doc: Document) -> Document:
        """Arrange a test: store an aggregate as if it had been created earlier (no record)."""
        doc.version = doc.version or 1
        self._collection.docs[doc.id] = doc.to_mongo().to_dict()
        return doc


class FakeDirectory:
    """The staff directory (``chassis.directory``) as a dict of members."""

    def __init__(self, *members: StaffMember) -> None:
        self.members = {m.user_id: m for m in members}

    def get(self, user_id: str | None) -> StaffMember | None:
        return self.members.get(user_id) if user_id else None
