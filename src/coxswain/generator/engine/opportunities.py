"""Opportunities: seeds (:mod:`.deal_seeds`) walked through the pipeline (:mod:`.deal_paths`),
priced with line items (:mod:`.line_items`), in order of opening.

Exactly ``config.opportunities`` deals: ~80 % new business (every converted lead, topped up
with outbound deals), the rest renewals and upsells of earlier wins (more outbound deals make
up any shortfall when the history has too few wins). External ids ``O0000001``... follow the
order of opening.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.accounts import Accounts, id_width
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.deal_paths import (
    PROPOSAL,
    WON,
    DealInputs,
    Paths,
    walk_pipeline,
)
from coxswain.generator.engine.deal_seeds import (
    NEW_BUSINESS_SHARE,
    Seeds,
    follow_ons,
    from_leads,
    outbound,
)
from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.leads import Leads
from coxswain.generator.engine.line_items import LineItems, build_line_items
from coxswain.generator.engine.org import Reps
from coxswain.generator.engine.rates import Rates
from coxswain.generator.engine.timeline import OffsetTable, WorkClock

IntArray = npt.NDArray[np.int64]

OPPORTUNITY_PREFIX = "O"


@dataclass(frozen=True)
class Deals:
    """Every opportunity, sorted by opening time, with its path and lines."""

    width: int
    seeds: Seeds
    paths: Paths
    segment: IntArray
    currency: IntArray
    lines: LineItems
    initial_amount: IntArray  # minor units: the early estimate, replaced by the amount at
    # Proposal; equal to the amount for open deals that have not reached Proposal yet

    def __len__(self) -> int:
        return len(self.seeds)


def _clock(offsets: OffsetTable, reps: Reps, owner: IntArray) -> WorkClock:
    return WorkClock(offsets, reps.zone[owner], reps.work_start[owner], reps.work_end[owner])


def _walk(
    rng: np.random.Generator, seeds: Seeds, accounts: Accounts, reps: Reps,
    offsets: OffsetTable, cutoff: int,
) -> Paths:  # fmt: skip
    inputs = DealInputs(
        seeds.opened, seeds.type, accounts.segment[seeds.account], seeds.owner, seeds.entry
    )
    return walk_pipeline(rng, inputs, reps, _clock(offsets, reps, seeds.owner), cutoff)


def _concat_paths(parts: list[Paths]) -> Paths:
    return Paths(
        np.concatenate([p.stage for p in parts]),
        np.concatenate([p.time for p in parts]),
        np.concatenate([p.changes for p in parts]),
        np.concatenate([p.natural_end for p in parts]),
    )


def _take_paths(paths: Paths, order: IntArray) -> Paths:
    return Paths(
        paths.stage[order], paths.time[order], paths.changes[order], paths.natural_end[order]
    )


def _all_seeds(
    rng: np.random.Generator, config: GeneratorConfig, leads: Leads, accounts: Accounts,
    reps: Reps, offsets: OffsetTable,
) -> tuple[Seeds, Paths]:  # fmt: skip
    """New business first, then follow-ons of its wins, each walked through the pipeline."""
    cutoff = (config.last_day + 1) * MINUTES_PER_DAY
    total = config.opportunities
    n_new = round(NEW_BUSINESS_SHARE * total) if total >= 20 else total
    inbound = from_leads(rng, leads, accounts, reps, n_new)
    new = Seeds.concat(
        [inbound, outbound(rng, config, n_new - len(inbound), accounts, reps, offsets)]
    )
    new_paths = _walk(rng, new, accounts, reps, offsets, cutoff)
    won = np.flatnonzero(new_paths.current == WON)
    closed = new_paths.natural_end[won]
    later = follow_ons(rng, config, new.take(won), closed, total - n_new, accounts, reps)
    snapped = _clock(offsets, reps, later.owner).next_working(later.opened, rng)
    later = replace(later, opened=np.where(snapped < cutoff, snapped, later.opened))
    extra = outbound(rng, config, total - n_new - len(later), accounts, reps, offsets)
    later = Seeds.concat([later, extra])
    later_paths = _walk(rng, later, accounts, reps, offsets, cutoff)
    return Seeds.concat([new, later]), _concat_paths([new_paths, later_paths])


def build_deals(
    config: GeneratorConfig, leads: Leads, accounts: Accounts, reps: Reps,
    offsets: OffsetTable, rates: Rates,
) -> Deals:  # fmt: skip
    """Exactly ``config.opportunities`` deals with paths cut at ``as_of`` and line items."""
    rng = config.rng("deals")
    seeds, paths = _all_seeds(rng, config, leads, accounts, reps, offsets)
    order = np.argsort(seeds.opened, kind="stable")
    seeds, paths = seeds.take(order), _take_paths(paths, order)
    segment = accounts.segment[seeds.account]
    currency = accounts.currency[seeds.account]
    lines = build_line_items(
        config.rng("line-items"), segment, seeds.type, currency,
        seeds.opened // MINUTES_PER_DAY, seeds.target_usd, rates,
    )  # fmt: skip
    unit = 10 ** (lines.exponent + 2)  # estimates are round hundreds of major units
    estimate = lines.amount * rng.lognormal(0.05, 0.25, len(seeds))
    initial = np.maximum(1, np.round(estimate / unit)).astype(np.int64) * unit
    initial = np.where(paths.current < PROPOSAL, lines.amount, initial)  # not re-priced yet
    width = id_width(len(seeds), 7)
    return Deals(width, seeds, paths, segment, currency, lines, initial)
