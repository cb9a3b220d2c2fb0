"""HTTP entry points of the feedback service, one module per resource."""
from . import complaints, feedback, parts, selfservice, settings, surveys

BLUEPRINTS = [feedback.blp, complaints.blp, settings.blp, surveys.blp, parts.blp, selfservice.blp]
