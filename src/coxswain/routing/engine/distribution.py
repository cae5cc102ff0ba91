"""Distribution methods: pick one rep among the eligible, and record why the others lost.

- ``round_robin``: the eligible rep whose last assignment *in this pool* is oldest (never
  assigned first, then list order). With eligibility unchanged this cycles exactly; when reps
  come and go, any two reps eligible throughout a window differ by at most one assignment in
  it (between two picks of one, the other must be picked: it was waiting longer).
- ``weighted_round_robin``: smooth weighted round robin (as in nginx): every eligible rep
  earns its weight in credit, the richest wins and pays the total weight. Over each run of
  ``sum(weights)`` picks with stable eligibility each rep gets exactly its weight, spread out.
- ``load_balanced``: fewest open leads; ties go to the rep waiting longest (as round robin).
- ``account_owner`` / ``territory_owner``: the first eligible owner.
"""

from __future__ import annotations

from typing import NamedTuple

from coxswain.routing.engine.decision import Candidate
from coxswain.routing.engine.reasons import NEVER, Why
from coxswain.routing.engine.state import Rotation


class Eligible(NamedTuple):
    """A candidate that passed every check; ``position`` is its place in the pool's list."""

    position: int
    rep: str
    weight: int
    open_leads: int
    owns: str | None = None


class Choice(NamedTuple):
    rep: str
    why: Why
    credits: tuple[tuple[str, int], ...] | None = None


def choose(
    method: str, eligible: list[Eligible], rotation: Rotation
) -> tuple[Choice | None, list[Candidate]]:
    """The winner (``None`` when nobody is eligible) and every eligible candidate, ranked."""
    if not eligible:
        return None, []
    if method == "round_robin":
        return _round_robin(eligible, rotation)
    if method == "weighted_round_robin":
        return _weighted(eligible, rotation)
    if method == "load_balanced":
        return _load_balanced(eligible, rotation)
    return _owner(eligible)


def _round_robin(eligible: list[Eligible], rotation: Rotation) -> tuple[Choice, list[Candidate]]:
    last = rotation.last.get
    ranked = sorted(eligible, key=lambda e: (last(e.rep, NEVER), e.position))
    winner = ranked[0]
    winner_last = last(winner.rep, NEVER)
    why = ("rr_chosen", winner_last, len(ranked))
    candidates = [Candidate(winner.rep, "chosen", why)]
    for e in ranked[1:]:
        seen = last(e.rep, NEVER)
        candidates.append(Candidate(e.rep, "eligible", ("rr_waiting", seen, seen == winner_last)))
    return Choice(winner.rep, why), candidates


def _weighted(eligible: list[Eligible], rotation: Rotation) -> tuple[Choice, list[Candidate]]:
    total = sum(e.weight for e in eligible)
    held = rotation.credit.get
    credit = {e.rep: held(e.rep, 0) + e.weight for e in eligible}
    ranked = sorted(eligible, key=lambda e: (-credit[e.rep], e.position))
    winner = ranked[0]
    why = ("wrr_chosen", credit[winner.rep], winner.weight, total)
    candidates = [Candidate(winner.rep, "chosen", why)]
    candidates.extend(
        Candidate(e.rep, "eligible", ("wrr_waiting", credit[e.rep], e.weight)) for e in ranked[1:]
    )
    credit[winner.rep] -= total
    return Choice(winner.rep, why, tuple(credit.items())), candidates


def _load_balanced(eligible: list[Eligible], rotation: Rotation) -> tuple[Choice, list[Candidate]]:
    last = rotation.last.get
    ranked = sorted(eligible, key=lambda e: (e.open_leads, last(e.rep, NEVER), e.position))
    winner = ranked[0]
    why = ("lb_chosen", winner.open_leads, last(winner.rep, NEVER))
    candidates = [Candidate(winner.rep, "chosen", why)]
    candidates.extend(
        Candidate(
            e.rep,
            "eligible",
            ("lb_waiting", e.open_leads, last(e.rep, NEVER), e.open_leads > winner.open_leads),
        )
        for e in ranked[1:]
    )
    return Choice(winner.rep, why), candidates


def _owner(eligible: list[Eligible]) -> tuple[Choice, list[Candidate]]:
    winner = eligible[0]
    why = ("owner_chosen", winner.owns)
    candidates = [Candidate(winner.rep, "chosen", why)]
    candidates.extend(Candidate(e.rep, "eligible", ("owner_waiting", e.owns)) for e in eligible[1:])
    return Choice(winner.rep, why), candidates
