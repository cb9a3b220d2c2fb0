"""HTTP entry points, one module per resource; thin translators to service.py."""
from . import customers, imports, internal, managers, risk, tiers

BLUEPRINTS = [customers.blp, managers.blp, tiers.blp, risk.blp, imports.blp, internal.blp]
