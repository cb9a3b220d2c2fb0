"""Free text stays off the event bus (issue #9).

Reasons, purposes, notes, summaries, labels... are typed by staff or customers and end
up holding names, phone numbers and worse; events are neither masked nor access-checked
once published, and every consumer keeps a copy. Events carry ids, codes, figures and
dates. This walks every declared event schema, nested ones too, and fails on a field
that looks like free text: by name, by an explicit ``metadata={"free_text": True}``
marker, or by being an untyped container anything could ride in.
"""
import pytest
from marshmallow import Schema, fields

import contracts  # noqa: F401  (registers every event type)
from chassis.events import catalogue

# Whole names, and words that make any name free text (cancel_reason, evaluation_notes).
FREE_TEXT_NAMES = {"next_step", "follow_up_actions"}
FREE_TEXT_WORDS = {"reason", "purpose", "note", "notes", "description", "comment", "comments", "content",
                   "summary", "label", "remark", "remarks", "message", "text", "details", "outcome",
                   "answer", "answers", "memo", "body", "address"}


def _free_text(name: str, field: fields.Field) -> str | None:
    if name in FREE_TEXT_NAMES or set(name.lower().split("_")) & FREE_TEXT_WORDS:
        return "named like free text"
    if (field.metadata or {}).get("free_text"):
        return "marked free_text"
    if isinstance(field, fields.Raw) and type(field) is fields.Raw:
        return "untyped (anything could ride in it)"
    if isinstance(field, fields.Dict) and (field.value_field is None or isinstance(field.value_field, fields.String)):
        return "a dict of arbitrary values"
    return None


def findings(schema: type[Schema] | Schema, path: str = "") -> list[str]:
    inst = schema() if isinstance(schema, type) else schema
    out = []
    for name, field in inst.fields.items():
        where = f"{path}{name}"
        why = _free_text(name, field)
        if why:
            out.append(f"{where}: {why}")
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.List):
            inner = inner.inner
        if isinstance(inner, fields.Nested):
            out += findings(inner.schema, f"{where}.")
    return out


def test_no_event_schema_declares_a_free_text_field():
    found = [f"{name} v{et.version}: {f}" for name, et in sorted(catalogue().items()) for f in findings(et.schema)]
    assert not found, "free text must stay in its service:\n" + "\n".join(found)


class _Leaky(Schema):
    class _Date(Schema):
        kind = fields.String()
        label = fields.String()

    channel = fields.String()
    reason = fields.String()
    cancel_reason = fields.String()
    follow_up_actions = fields.List(fields.String())
    remarks_text = fields.String()
    anything = fields.Dict()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    free = fields.String(metadata={"free_text": True})
    raw = fields.Raw()
    dates = fields.List(fields.Nested(_Date))
    follow_up_date = fields.Date()


def test_the_check_finds_what_it_looks_for():
    found = {f.split(":")[0] for f in findings(_Leaky)}
    assert found == {"reason", "cancel_reason", "follow_up_actions", "remarks_text", "anything", "names",
                     "free", "raw", "dates.label"}


@pytest.mark.parametrize("name", ["engagement.interaction.logged", "engagement.gift.issued"])
def test_events_that_lost_a_required_field_moved_to_a_new_version(name):
    assert catalogue()[name].version == 2
