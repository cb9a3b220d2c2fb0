"""Next best action's schemas: the ranked worklist item, and the branch's weights in and out.
The weights' sections are built from ``nba_rules.DEFAULT_WEIGHTS``, so the API documents
exactly the keys the score reads."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from chassis.schemas import StrictInteger
from contracts.customer import AUM_BANDS

from . import nba_rules as rules

POINTS = validate.Range(0, rules.POINTS_MAX)
WHOLE = {"max_count": (1, 100), "stale_after_days": (0, 3660)}


def _section(name: str, required: bool) -> type[Schema]:
    """A weights section (tier, aum_band, risk, staleness, task) as a schema of its keys."""
    attrs: dict = {}
    for key in rules.DEFAULT_WEIGHTS[name]:
        if key in WHOLE:
            attrs[key] = StrictInteger(required=required, validate=validate.Range(*WHOLE[key]))
        else:
            attrs[key] = fields.Float(required=required, allow_nan=False, validate=POINTS)
    title = "".join(p.title() for p in name.split("_"))
    return Schema.from_dict(attrs, name=f"Nba{title}{'Out' if required else 'In'}")


SECTION_HELP = {
    "tier": "value points per tier",
    "aum_band": "value points per AUM band (added to the tier's): " + ", ".join(b for b, _ in AUM_BANDS),
    "risk": "risk points per factor; complaints and churn-signal kinds count each, up to max_count",
    "staleness": "points per day since the last contact, up to max; a customer is listed for it from "
                 "stale_after_days (never contacted: max)",
    "task": "points per plan task due within two weeks (due) and per late task (overdue)",
}


def _weights(required: bool) -> dict:
    attrs: dict = {name: fields.Nested(_section(name, required), required=required,
                                       metadata={"description": SECTION_HELP[name]}) for name in SECTION_HELP}
    attrs["risk_expiring_days"] = StrictInteger(required=required, validate=validate.Range(0, 366), metadata={
        "description": "an assessment valid for at most this many more days is expiring"})
    attrs["churn_signal_days"] = StrictInteger(required=required, validate=validate.Range(1, 366), metadata={
        "description": "a churn signal counts for this many days after it was raised"})
    attrs["limit"] = StrictInteger(required=required, validate=validate.Range(1, rules.LIMIT_MAX), metadata={
        "description": "items on a worklist"})
    return attrs


NbaWeightsSet = Schema.from_dict(_weights(True), name="NbaWeightsSet")


class NbaWeightsIn(Schema.from_dict(_weights(False), name="NbaWeightsInBase")):  # type: ignore[misc]
    """Any part of the weights; what is left out keeps its current value."""
    reason = fields.String(required=True, validate=validate.Length(1, 500),
                           metadata={"description": "why (kept in the history)", "example": "投诉优先"})


class NbaWeightsOut(Schema):
    branch = fields.String(required=True, metadata={"description": "the branch they apply to (\"\": bank-wide)"})
    source = fields.String(required=True, validate=validate.OneOf(["default", "custom"]),
                           metadata={"description": "custom: set by an admin of the branch; default: built in"})
    version = fields.Integer(required=True, allow_none=True,
                             metadata={"description": "send as If-Match to change custom weights; null for defaults"})
    weights = fields.Nested(NbaWeightsSet, required=True)


class NbaReasonOut(Schema):
    code = fields.String(required=True, validate=validate.OneOf(rules.REASONS), metadata={
        "description": "why the customer is listed: " + ", ".join(rules.REASONS)})
    part = fields.String(required=True, validate=validate.OneOf(["risk", "staleness", "task"]),
                         metadata={"description": "the score part it adds to"})
    points = fields.Float(required=True, metadata={"description": "what it adds to that part"})
    count = fields.Integer(metadata={"description": "open complaints, churn-signal kinds, tasks"})
    days = fields.Integer(metadata={"description": "days since the last contact, or until the assessment expires"})
    date = fields.String(metadata={"format": "date", "description": "the day the risk assessment expires or expired"})
    kinds = fields.List(fields.String(), metadata={"description": "churn signals: aum_falling, dormant, ..."})


class NbaScoreOut(Schema):
    value = fields.Float(required=True, metadata={"description": "tier points + AUM band points"})
    risk = fields.Float(required=True, metadata={"description": "sum of the risk reasons' points"})
    staleness = fields.Float(required=True, metadata={"description": "days since last contact × per_day, capped"})
    task = fields.Float(required=True, metadata={"description": "plan tasks due and late"})
    total = fields.Float(required=True, metadata={
        "description": "value × (1 + risk) × (1 + staleness) + task: the ranking"})


class NextBestActionOut(Schema):
    customer_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    tier = fields.String(required=True, allow_none=True)
    aum_band = fields.String(required=True, allow_none=True)
    manager_id = fields.String(required=True, allow_none=True)
    days_since_contact = fields.Integer(required=True, allow_none=True, metadata={"description": "null: never"})
    score = fields.Nested(NbaScoreOut, required=True)
    reasons = fields.List(fields.Nested(NbaReasonOut), required=True)
