"""Events of the feedback context (declared by its owner)."""
