"""The engagement service's composition root: every port its use cases talk through, with
the real adapter of each (``chassis.ports``). The app factory and the worker call
``ports.bootstrap()`` once; unit tests bind in-memory fakes (``chassis.fakes``) instead."""
from __future__ import annotations

from chassis import directory
from chassis.ports import Ports
from chassis.store import AggregateStore

from .contact_marks import LastContacts
from .models import (
    Activity,
    Budget,
    CadenceRule,
    ContactLapse,
    EngagementPolicy,
    Gift,
    GiftIssue,
    Greeting,
    Interaction,
    Invitation,
    Visit,
)
from .nba_models import NbaWeights
from .outreach import channels, contacts
from .outreach.models import Campaign, Consent, Message, NamedCollection, OutreachTemplate
from .plan_models import Plan, PlanEvaluation, PlanTask
from .plan_scope import Books

ports = Ports(
    uses=(directory.ports,),
    cadence_rules=lambda: AggregateStore(CadenceRule, "cadence_rule"),
    visits=lambda: AggregateStore(Visit, "visit"),
    gifts=lambda: AggregateStore(Gift, "gift"),
    budgets=lambda: AggregateStore(Budget, "budget"),
    gift_issues=lambda: AggregateStore(GiftIssue, "gift_issue"),
    greetings=lambda: AggregateStore(Greeting, "greeting"),
    activities=lambda: AggregateStore(Activity, "activity"),
    activity_invitations=lambda: AggregateStore(Invitation, "invitation"),
    interactions=lambda: AggregateStore(Interaction, "interaction"),
    last_contacts=LastContacts,   # the latest contact per customer (contacts.py)
    # retention: the branch's engagement policy, one record per stale episode (no contact in N days)
    engagement_policies=lambda: AggregateStore(EngagementPolicy, "engagement_policy"),
    contact_lapses=lambda: AggregateStore(ContactLapse, "contact_lapse"),
    # maintenance plans (维护方案): the plan, its tasks, its evaluations per period
    plans=lambda: AggregateStore(Plan, "plan"),
    plan_tasks=lambda: AggregateStore(PlanTask, "plan_task"),
    plan_evaluations=lambda: AggregateStore(PlanEvaluation, "plan_evaluation"),
    plan_books=Books,   # how many customers a plan's scope covers (its size limit)
    # next best action: the branch's weights
    nba_weights=lambda: AggregateStore(NbaWeights, "nba_weights"),
    # outreach: its aggregates, the unique-insert collections, the channel adapters and contacts
    consents=lambda: AggregateStore(Consent, "consent"),
    outreach_templates=lambda: AggregateStore(OutreachTemplate, "outreach_template"),
    messages=lambda: AggregateStore(Message, "message"),
    campaigns=lambda: AggregateStore(Campaign, "campaign"),
    outreach_claims=lambda: NamedCollection("outreach_claims"),
    outreach_cap_slots=lambda: NamedCollection("outreach_cap_slots"),
    channels=channels.real_channels,
    contacts=contacts.CustomerContacts,
)

