"""Routing errors, each with a stable ``code``.

::

    CoxswainError
    ├── ValidationError
    │   └── RulesError            a rules file that cannot be used (names rule and problem)
    ├── NotFoundError
    │   ├── LeadNotFoundError     no lead (or routing decision) with that id
    │   ├── NoActiveRulesError    nothing published yet
    │   └── RuleSetNotFoundError  no published version with that number
    └── ConflictError
        └── LeadNotRoutableError  the lead is closed, deleted or already owned
"""

from __future__ import annotations

from coxswain.core.errors import ConflictError, NotFoundError, ValidationError


class RulesError(ValidationError):
    """A rules document that cannot be compiled. The message names the item and the problem."""

    code = "routing_rules_invalid"

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")
        self.source = source
        self.where = where
        self.problem = problem


class LeadNotFoundError(NotFoundError):
    code = "lead_not_found"


class NoActiveRulesError(NotFoundError):
    code = "routing_rules_not_published"


class RuleSetNotFoundError(NotFoundError):
    code = "routing_rule_set_not_found"


class LeadNotRoutableError(ConflictError):
    code = "lead_not_routable"
