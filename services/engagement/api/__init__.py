"""HTTP entry points of the engagement service, one module per resource."""
from . import (
              activities,
              cadence,
              care,
              gifts,
              interactions,
              nba,
              outreach,
              parts,
              plans,
              policy,
              snapshot,
              tasks,
              visits,
)

BLUEPRINTS = [snapshot.blp, interactions.blp, visits.blp, cadence.blp, care.blp, gifts.blp, activities.blp,
              parts.blp, plans.blp, tasks.blp, outreach.blp, nba.blp, policy.blp]
