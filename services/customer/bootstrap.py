"""The customer service's composition root: every port its use cases talk through, with
the real adapter of each (``chassis.ports``). The app factory and the worker call
``ports.bootstrap()`` once; unit tests bind in-memory fakes (``chassis.fakes``) instead."""
from __future__ import annotations

from chassis import directory
from chassis.ports import Ports
from chassis.store import AggregateStore

from .financial_models import FinancialPicture, FinancialPolicy, Opportunity, Product
from .models import Customer, TierRules

ports = Ports(
    uses=(directory.ports,),
    customers=lambda: AggregateStore(Customer, "customer"),
    tier_rules=lambda: AggregateStore(TierRules, "tier_rules"),
    # the financial picture, catalogue and pipeline (issue #13)
    pictures=lambda: AggregateStore(FinancialPicture, "picture"),
    policies=lambda: AggregateStore(FinancialPolicy, "financial_policy"),
    products=lambda: AggregateStore(Product, "product"),
    opportunities=lambda: AggregateStore(Opportunity, "opportunity"),
)
