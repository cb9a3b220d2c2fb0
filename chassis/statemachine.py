"""A workflow as data: which actions lead from which states to which state.

Visits and complaints (and the plans and opportunities to come) move through
states by named actions; one helper answers "where does this action lead" and
"what may be done now", so every workflow refuses an illegal step the same way.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class IllegalTransition(Exception):
    def __init__(self, subject: str, action: str, state: str):
        super().__init__(f"Cannot {action.replace('_', ' ')} a {subject} that is {state.replace('_', ' ')}.")
        self.subject, self.action, self.state = subject, action, state


@dataclass(frozen=True)
class StateMachine:
    subject: str                                          # what moves through it, for messages
    transitions: Mapping[str, tuple[tuple[str, ...], str]]   # action -> (states it is allowed from, state it leads to)
    internal: frozenset[str] = field(default_factory=frozenset)  # actions only the system takes

    def next(self, state: str, action: str) -> str:
        """The state ``action`` leads to from ``state``; IllegalTransition when it may not be taken."""
        sources, target = self.transitions.get(action, ((), ""))
        if state not in sources:
            raise IllegalTransition(self.subject, action, state)
        return target

    def allowed(self, state: str) -> list[str]:
        """The actions a person may take now (system-only ones left out)."""
        return [a for a, (sources, _) in self.transitions.items() if state in sources and a not in self.internal]

    @property
    def actions(self) -> list[str]:
        return [a for a in self.transitions if a not in self.internal]
