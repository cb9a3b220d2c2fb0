"""The feedback service's composition root: every port its use cases talk through, with
the real adapter of each (``chassis.ports``). The app factory and the worker call
``bootstrap()`` once; unit tests bind in-memory fakes (``chassis.fakes``) instead."""
from __future__ import annotations

from typing import Any

from chassis import directory
from chassis.ports import Ports
from chassis.store import AggregateStore

from .models import Complaint, CustomerSatisfaction, Feedback, Invitation, Policy, Response, SurveyTemplate

ports = Ports(
    survey_templates=lambda: AggregateStore(SurveyTemplate, "survey_template"),
    survey_invitations=lambda: AggregateStore(Invitation, "invitation"),
    survey_responses=lambda: AggregateStore(Response, "response"),
    satisfaction=lambda: AggregateStore(CustomerSatisfaction, "satisfaction"),
    complaints=lambda: AggregateStore(Complaint, "complaint"),
    policies=lambda: AggregateStore(Policy, "policy"),
    feedback=lambda: AggregateStore(Feedback, "feedback"),
)


def bootstrap(**adapters: Any) -> Ports:
    """Bind the real adapters, or the given ones in their place (``staff`` is the directory)."""
    directory.ports.bind(**{k: v for k, v in adapters.items() if k in directory.ports.names()})
    ports.bind(**{k: v for k, v in adapters.items() if k not in directory.ports.names()})
    return ports
