"""Events of the engagement context (declared by its owner)."""
