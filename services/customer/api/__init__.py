"""HTTP entry points, one module per resource; thin translators to service.py."""
from . import customers, imports, internal, managers, opportunities, pictures, products, risk, tiers

BLUEPRINTS = [customers.blp, managers.blp, tiers.blp, risk.blp, imports.blp, internal.blp,
              pictures.blp, pictures.policy_blp, products.blp, opportunities.blp, opportunities.customer_blp]
