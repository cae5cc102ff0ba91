"""A routing decision and its explanation: the path taken, each candidate's verdict, the winner.

``Decision.to_dict()`` is the stored explanation (JSON-safe, stable keys, documented in
docs/engines/routing.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from coxswain.routing.engine.reasons import Why, render

Verdict = Literal["chosen", "eligible", "skipped"]
OWNER_METHODS = ("account_owner", "duplicate_owner", "territory_owner")
FALLBACK = "fallback"
QUEUE = "queue"


class Candidate(NamedTuple):
    """One rep considered: ``chosen``, ``eligible`` but beaten, or ``skipped`` (and why)."""

    rep: str
    verdict: Verdict
    why: Why

    @property
    def reason(self) -> str:
        return render(self.why)


@dataclass(frozen=True, slots=True)
class PoolAttempt:
    pool: str
    method: str
    candidates: tuple[Candidate, ...]
    outcome_why: Why

    @property
    def outcome(self) -> str:
        return render(self.outcome_why)


@dataclass(frozen=True, slots=True)
class RotationUpdate:
    """How a pool's rotation moves when the decision is applied.

    ``sequence`` is the pool's assignment number for this lead; ``credits`` the running
    smooth-weighted credits after the pick (weighted round robin only).
    """

    pool: str
    sequence: int
    rep: str
    credits: tuple[tuple[str, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class AccountContext:
    account_id: str
    name: str
    owner: str | None
    matched_on: str
    score: float


@dataclass(frozen=True, slots=True)
class DuplicateContext:
    lead_ref: str
    owner: str | None
    matched_on: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one lead goes and why.

    ``owner`` is the chosen rep's e-mail (``None`` when the lead waits in ``queue``). ``rule``
    is the rule that matched (``None`` when an account owner or duplicate owner took the lead
    before the rules, or when no rule matched). ``method`` is the pool's method, an owner
    method (``account_owner``, ``duplicate_owner``, ``territory_owner``), ``queue`` when a rule
    sends leads to a queue, or ``fallback`` when nobody could take it.
    """

    lead_ref: str
    decided_at: datetime
    owner: str | None
    queue: str | None
    rule: str | None
    rule_index: int | None
    pool: str | None
    method: str
    why: Why
    step_facts: tuple[Why, ...]
    attempts: tuple[PoolAttempt, ...] = ()
    rotation: RotationUpdate | None = None
    territories: tuple[str, ...] = ()
    account: AccountContext | None = None
    duplicate_of: DuplicateContext | None = None

    @property
    def reason(self) -> str:
        """One sentence: why the winner won, or why the lead waits in a queue."""
        return render(self.why)

    @property
    def steps(self) -> tuple[str, ...]:
        """The path the lead took, in order (account match, rule, pools tried, ...)."""
        return tuple(render(step) for step in self.step_facts)

    @property
    def assigned(self) -> bool:
        return self.owner is not None

    @property
    def rule_label(self) -> str:
        """What sent the lead where it went, for one CSV cell.

        The matched rule; for a lead left in a queue, the queue's name; for an owner found
        before the rules, ``account <name>`` or ``duplicate of <lead>``.
        """
        if self.owner is None:
            return self.queue or ""
        if self.rule is not None:
            return self.rule
        if self.method == "account_owner" and self.account is not None:
            return f"account {self.account.name}"
        if self.method == "duplicate_owner" and self.duplicate_of is not None:
            return f"duplicate of {self.duplicate_of.lead_ref}"
        return self.method

    def csv_row(self) -> tuple[str, str, str, str]:
        """``(lead_id, owner, rule, method)``; a queued lead has an empty owner."""
        return (self.lead_ref, self.owner or "", self.rule_label, self.method)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead": self.lead_ref,
            "decided_at": self.decided_at.isoformat(),
            "outcome": "assigned" if self.owner else "queued",
            "owner": self.owner,
            "queue": self.queue,
            "rule": self.rule,
            "rule_index": self.rule_index,
            "pool": self.pool,
            "method": self.method,
            "reason": self.reason,
            "steps": list(self.steps),
            "territories": list(self.territories),
            "account": _account(self.account),
            "duplicate_of": _duplicate(self.duplicate_of),
            "pool_sequence": self.rotation.sequence if self.rotation else None,
            "attempts": [
                {
                    "pool": a.pool,
                    "method": a.method,
                    "outcome": a.outcome,
                    "candidates": [
                        {"rep": c.rep, "verdict": c.verdict, "reason": c.reason}
                        for c in a.candidates
                    ],
                }
                for a in self.attempts
            ],
        }


def _account(context: AccountContext | None) -> dict[str, Any] | None:
    if context is None:
        return None
    return {
        "id": context.account_id,
        "name": context.name,
        "owner": context.owner,
        "matched_on": context.matched_on,
        "score": context.score,
    }


def _duplicate(context: DuplicateContext | None) -> dict[str, Any] | None:
    if context is None:
        return None
    return {"lead": context.lead_ref, "owner": context.owner, "matched_on": context.matched_on}
