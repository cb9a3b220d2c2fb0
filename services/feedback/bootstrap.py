"""The feedback service's composition root: every port its use cases talk through, with
the real adapter of each (``chassis.ports``). The app factory and the worker call
``ports.bootstrap()`` once; unit tests bind in-memory fakes (``chassis.fakes``) instead."""
from __future__ import annotations

from chassis import directory
from chassis.ports import Ports
from chassis.store import AggregateStore

from .models import Complaint, CustomerSatisfaction, Feedback, Invitation, Policy, Response, SurveyTemplate

ports = Ports(
    uses=(directory.ports,),
    survey_templates=lambda: AggregateStore(SurveyTemplate, "survey_template"),
    survey_invitations=lambda: AggregateStore(Invitation, "invitation"),
    survey_responses=lambda: AggregateStore(Response, "response"),
    satisfaction=lambda: AggregateStore(CustomerSatisfaction, "satisfaction"),
    complaints=lambda: AggregateStore(Complaint, "complaint"),
    policies=lambda: AggregateStore(Policy, "policy"),
    feedback=lambda: AggregateStore(Feedback, "feedback"),
)

