"""HTTP entry points of the feedback service, one module per resource."""
from . import complaints, feedback, settings, surveys, views

BLUEPRINTS = [feedback.blp, complaints.blp, settings.blp, surveys.blp, views.blp]
