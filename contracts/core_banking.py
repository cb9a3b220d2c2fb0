"""Events of the core_banking context (declared by its owner)."""
