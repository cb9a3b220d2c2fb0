"""The event envelope and the catalogue of event types.

Every event type is declared with ``event_type(...)`` next to the code that
produces (or, for inbound contracts, consumes) it. The declaration carries the
marshmallow schema of ``data``, so an event cannot be published with fields the
catalogue does not describe, and docs/events.md is rendered from it.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError


class EventData(Schema):
    """Base of every event's data schema.

    Consumers load with it and ignore fields they do not know, nested ones too, so a
    producer can add a field without breaking anyone (the additive change a version
    keeps). Producers stay strict (``EventType.new``), and dump() writes declared
    fields only, so nothing undeclared ever reaches the bus.
    """
    class Meta:
        unknown = EXCLUDE


@dataclass(frozen=True)
class EventType:
    name: str                      # routing key: <context>.<entity>.<past-tense verb>
    version: int
    producer: str                  # service name, or an external system
    description: str
    schema: type[Schema]
    consumers: tuple[str, ...] = ()  # services that declare a handler for it

    def new(self, subject: str, data: dict, *, source: str | None = None,
            correlation_id: str | None = None, subject_version: int | None = None) -> "Envelope":
        schema = _schema(self.schema)
        try:
            schema.load(data, unknown=RAISE)
            errors = None
        except ValidationError as exc:
            errors = exc.messages
        if errors:
            # A programming error, not bad input: the producer broke its own contract.
            raise ValueError(f"{self.name} v{self.version}: data does not match the catalogue: {errors}")
        return Envelope(type=self.name, version=self.version, source=source or self.producer,
                        subject=str(subject), data=schema.dump(data),
                        correlation_id=correlation_id, subject_version=subject_version)


    def load(self, data: dict) -> dict:
        """The data of a received event, typed by the contract (dates as dates); raises
        ValidationError when the producer broke it."""
        loaded: dict = _schema(self.schema).load(data)
        return loaded


_SCHEMAS: dict[type, Schema] = {}


def _schema(cls: type[Schema]) -> Schema:
    # Building a marshmallow schema is costly (ms); one instance per class serves
    # every event, since validate() and dump() keep no state between calls.
    inst = _SCHEMAS.get(cls)
    if inst is None:
        inst = _SCHEMAS[cls] = cls()
    return inst


_CATALOGUE: dict[str, EventType] = {}


def event_type(name: str, version: int, producer: str, description: str, schema: type[Schema],
               consumers: tuple[str, ...] = ()) -> EventType:
    et = EventType(name, version, producer, description, schema, tuple(consumers))
    existing = _CATALOGUE.get(name)
    if existing and existing != et:
        raise ValueError(f"event type {name} declared twice differently")
    _CATALOGUE[name] = et
    return et


def catalogue() -> dict[str, EventType]:
    return dict(_CATALOGUE)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Envelope:
    type: str
    version: int
    source: str
    subject: str
    data: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=_now)
    correlation_id: str | None = None
    # Version of the aggregate after the change; lets consumers ignore stale events.
    subject_version: int | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "version": self.version,
                "occurred_at": self.occurred_at, "source": self.source, "subject": self.subject,
                "subject_version": self.subject_version,
                "correlation_id": self.correlation_id, "data": self.data}

    @classmethod
    def from_dict(cls, d: dict) -> "Envelope":
        missing = {"id", "type", "version", "occurred_at", "source", "subject", "data"} - d.keys()
        if missing:
            raise ValidationError(f"envelope lacks {sorted(missing)}")
        return cls(type=d["type"], version=int(d["version"]), source=d["source"],
                   subject=str(d["subject"]), data=d["data"], id=d["id"],
                   occurred_at=d["occurred_at"], correlation_id=d.get("correlation_id"),
                   subject_version=d.get("subject_version"))


def received(envelope: Envelope, event_types: Mapping[str, EventType] | None = None) -> Envelope:
    """The envelope as a handler gets it: ``data`` loaded through its type's contract
    (``event_types``, the catalogue unless given).

    An unknown event type raises LookupError; data that breaks the contract raises
    ValidationError (no retry can fix either)."""
    event_type = (_CATALOGUE if event_types is None else event_types).get(envelope.type)
    if event_type is None:
        raise LookupError(f"{envelope.type} is not in the event catalogue")
    return replace(envelope, data=event_type.load(envelope.data))
