"""Use case: a corporate customer's risk and credit assessment (rules: ``corporate_risk.py``).

It sets the same risk level and validity as the individual questionnaire (so suitability
and the worklist's expiring assessments work unchanged), plus a credit grade, and
publishes ``customer.risk.assessed`` as an individual assessment does.
"""
from __future__ import annotations

from chassis import identity
from chassis.errors import forbidden, invalid
from chassis.identity import Identity
from contracts import customer as events

from . import corporate_risk, rules, service
from .models import Customer


def assess(customer_id: str, answers: dict, who: Identity) -> Customer:
    current = service.store.require(customer_id, "customer")
    who.ensure_can_see(current.manager_id, current.branch)
    if who.role == identity.AUDITOR:
        raise forbidden("Auditors only read.")
    if current.kind != "corporate":
        raise invalid({"customer_id": ["An individual takes the individual questionnaire "
                                       "(POST /api/v1/risk/assessments)."]})
    errors = corporate_risk.answers_problems(answers)
    if errors:
        raise invalid({"answers": errors})
    points, level, credit_points, grade = corporate_risk.score(answers)
    at = service.now()
    until = rules.risk_valid_until(at.date(), service.setting_int("CRM_RISK_VALIDITY_MONTHS"))

    def change(doc):
        doc.risk_level, doc.risk_score, doc.risk_answers = level, points, dict(answers)
        doc.credit_grade, doc.credit_score = grade, credit_points
        doc.risk_assessed_at, doc.risk_valid_until = at, service._midnight(until)
        return [events.RISK_ASSESSED.new(doc.id, {**service.snapshot(doc), "score": points, "assessed_at": at})]
    return service.store.update_with_retry(customer_id, change, who, reason="corporate risk and credit assessment")
