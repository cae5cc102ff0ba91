"""Reasons are recorded as facts and rendered to text only when an explanation is read.

A batch of a million leads must not spend its time formatting sentences nobody reads, so hot
paths record ``("code", arg, ...)`` tuples; :func:`render` turns them into the text stored with
each assignment and shown by ``coxswain route explain``. Plain strings pass through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Why = str | tuple[Any, ...]
NEVER = -1


def _waited(last: int) -> str:
    return "never assigned in this pool" if last == NEVER else f"last assigned #{last}"


RENDERERS: dict[str, Callable[..., str]] = {
    "rr_chosen": lambda last, n: f"next in rotation: {_waited(last)}, longest wait of {n}",
    "rr_waiting": lambda last, tied: (
        "not next: also never assigned; later in the pool's list"
        if tied
        else f"not next: {_waited(last)}"
    ),
    "wrr_chosen": lambda credit, weight, total: (
        f"highest running credit {credit} (weight {weight} of {total}); pays {total} back"
    ),
    "wrr_waiting": lambda credit, weight: f"lower credit {credit} (weight {weight})",
    "lb_chosen": lambda open_leads, last: f"fewest open leads ({open_leads}); {_waited(last)}",
    "lb_waiting": lambda open_leads, last, more: (
        f"more open leads ({open_leads})" if more else f"same load, not next: {_waited(last)}"
    ),
    "owner_chosen": lambda owns: f"owns {owns}" if owns else "owner",
    "owner_waiting": lambda owns: f"owns {owns}, but an earlier owner is available",
    "daily_cap": lambda count, cap, day: f"daily cap reached ({count}/{cap} on {day})",
    "weekly_cap": lambda count, cap, week: f"weekly cap reached ({count}/{cap} in week {week})",
    "pool_chosen": lambda pool, rep: f"pool {pool!r}: {rep} chosen",
    "rule_matched": lambda name, index, text: f"rule {name!r} (#{index}) matched: {text}",
    "pool_empty": lambda pool, nxt: f"pool {pool!r}: no eligible rep → {nxt!r}",
}


def render(why: Why) -> str:
    """The sentence for a recorded reason."""
    if isinstance(why, str):
        return why
    code, *args = why
    return RENDERERS[code](*args)
