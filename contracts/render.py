"""Render the event catalogue as Markdown: ``python -m contracts.render > docs/events.md``."""
from __future__ import annotations

import sys

from marshmallow import fields as ma

import contracts  # noqa: F401  (registers every event type)
from chassis.events import catalogue


def _type_name(field: ma.Field) -> str:
    if isinstance(field, ma.List):
        return f"list of {_type_name(field.inner)}"
    if isinstance(field, ma.Nested):
        return "object"
    return field.__class__.__name__.lower()


def render() -> str:
    out = ["# Event catalogue", "",
           "Generated from `contracts/` by `python -m contracts.render > docs/events.md`;",
           "`tests/unit/test_event_catalogue.py` fails when this file and the code disagree.", "",
           "Every event travels on the durable topic exchange `crm.events` with the event type as",
           "routing key, as JSON in this envelope:", "",
           "| field | meaning |", "|---|---|",
           "| id | UUID of the event; consumers deduplicate on it |",
           "| type | event type, `<context>.<entity>.<past-tense verb>` |",
           "| version | integer, bumped on an incompatible change of `data` |",
           "| occurred_at | UTC ISO 8601 |",
           "| source | producing service |",
           "| subject | id of the aggregate the event is about |",
           "| subject_version | version of that aggregate after the change (consumers ignore older ones) |",
           "| correlation_id | the request or event that caused it |",
           "| data | the fields below |", "",
           "Producers are strict: an event whose data has a field not listed here is refused before",
           "it is written. Consumers load `data` through the same schema before a handler sees it",
           "(`chassis.events.received`: dates typed, fields they do not know dropped, so adding a",
           "field keeps the version); data that breaks the schema is dead-lettered at once.", ""]
    for name, et in sorted(catalogue().items()):
        out += [f"## `{name}` (v{et.version})", "", et.description, "",
                f"- producer: {et.producer}",
                f"- consumers: {', '.join(et.consumers) if et.consumers else 'none yet'}", "",
                "| field | type | required | description |", "|---|---|---|---|"]
        for fname, field in et.schema().fields.items():
            desc = (field.metadata or {}).get("description", "")
            out.append(f"| {fname} | {_type_name(field)} | {'yes' if field.required else 'no'} | {desc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
