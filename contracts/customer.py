"""Events produced by the customer service.

Every event about a customer carries the full non-sensitive snapshot (never ID
numbers, mobiles, account numbers or addresses), so a consumer keeping a copy
applies any of them the same way (``chassis.copies.apply`` on subject_version).
No free text either (reasons, labels typed for a date): staff type anything into
them, and events are neither masked nor access-checked once published.
"""
from marshmallow import fields

from chassis.events import EventData, event_type

PRODUCER = "customer"

# AUM travels as a band, never as a figure (financial status stays in the customer service):
# coarse enough to say little more than the tier does, fine enough to rank a book by value.
# (band, lowest AUM in cents), ascending.
AUM_BANDS = (("under_10k", 0), ("10k_100k", 10_000_00), ("100k_1m", 100_000_00),
             ("1m_10m", 1_000_000_00), ("10m_plus", 10_000_000_00))


def aum_band(aum_cents: int | None) -> str | None:
    """The band of an AUM figure; None when there is no figure."""
    if aum_cents is None:
        return None
    band = AUM_BANDS[0][0]
    for name, floor in AUM_BANDS:
        if aum_cents >= floor:
            band = name
    return band


class ImportantDateData(EventData):
    kind = fields.String(required=True, metadata={
        "description": "anniversary | wedding | child_birthday | company_founding | other"})
    date = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})


class CustomerSnapshotData(EventData):
    """The non-sensitive part of a profile other services keep a copy of."""
    customer_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "individual | corporate"})
    name = fields.String(required=True)
    tier = fields.String(allow_none=True, metadata={
        "description": "standard | gold | platinum | diamond | private_banking"})
    classes = fields.List(fields.String(), load_default=list)
    tags = fields.List(fields.String(), load_default=list)
    birth_date = fields.Date(allow_none=True)
    important_dates = fields.List(fields.Nested(ImportantDateData), load_default=list,
                                  metadata={"description": "[{kind, date (YYYY-MM-DD)}]; the label typed for a "
                                                           "date stays in the customer service"})
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    preferred_channels = fields.List(fields.String(), load_default=list)
    status = fields.String(load_default="active", metadata={"description": "active | archived"})
    risk_level = fields.String(allow_none=True, metadata={"description": "C1..C5, or null before any assessment"})
    risk_valid_until = fields.Date(allow_none=True)
    aum_band = fields.String(allow_none=True, metadata={
        "description": "the AUM the tier uses (reported by core banking, else declared), as a band: "
                       + " | ".join(b for b, _ in AUM_BANDS) + " (CNY); null when unknown. Never the figure."})


class UpdatedData(CustomerSnapshotData):
    changed_fields = fields.List(fields.String(), required=True,
                                 metadata={"description": "names of the changed fields only, never their values"})


class TierChangedData(CustomerSnapshotData):
    old_tier = fields.String(allow_none=True)
    new_tier = fields.String(required=True)
    rules_version = fields.Integer(metadata={"description": "version of the tier rules applied"})


class ManagerAssignedData(CustomerSnapshotData):
    previous_manager_id = fields.String(allow_none=True)


class RiskAssessedData(CustomerSnapshotData):
    score = fields.Integer(required=True)
    assessed_at = fields.DateTime(required=True)


REGISTERED = event_type(
    "customer.customer.registered", 1, PRODUCER,
    "A customer was added to the archive (single create or bulk import). Carries the snapshot "
    "fields other services copy; never ID numbers, mobiles or addresses.",
    CustomerSnapshotData, consumers=("engagement", "feedback"))

UPDATED = event_type(
    "customer.customer.updated", 1, PRODUCER,
    "A profile changed (edit, information confirmed), or the bank's reported AUM moved the "
    "customer's AUM band without changing its tier (changed_fields: reported_aum_cents). Carries "
    "the full snapshot after the change and the names of the changed fields; sensitive values "
    "never travel.",
    UpdatedData, consumers=("engagement", "feedback", "customer"))

TIER_CHANGED = event_type(
    "customer.tier.changed", 1, PRODUCER,
    "The customer's tier changed because its inputs (AUM, income, products) or the tier rules changed. "
    "Carries the full snapshot after the change.",
    TierChangedData, consumers=("engagement", "feedback"))

MANAGER_ASSIGNED = event_type(
    "customer.manager.assigned", 1, PRODUCER,
    "The customer was assigned or reassigned to a relationship manager. Carries the full snapshot.",
    ManagerAssignedData, consumers=("engagement", "feedback"))

RISK_ASSESSED = event_type(
    "customer.risk.assessed", 1, PRODUCER,
    "A risk questionnaire was scored: level C1–C5 valid until risk_valid_until. Carries the full snapshot.",
    RiskAssessedData, consumers=("engagement",))

ARCHIVED = event_type(
    "customer.customer.archived", 1, PRODUCER,
    "The customer was archived (no longer served); status is archived in the snapshot.",
    CustomerSnapshotData, consumers=("engagement", "feedback"))
