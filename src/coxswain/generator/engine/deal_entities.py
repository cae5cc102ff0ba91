"""The ``opportunities``, ``line_items`` and ``stage_changes`` entities of the generated deals.

Stage changes: one row per change, the first from no stage into the entry stage at the
opening, each later one from the previous to-stage; the amount is the early estimate before
Proposal and the final amount from Proposal on (and on the closing row).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.accounts import Accounts, id_width
from coxswain.generator.engine.columns import (
    Column,
    Dates,
    DateTimes,
    Entity,
    Ids,
    Ints,
    Joined,
    Money,
    codes,
    entity,
)
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.deal_paths import (
    LOST,
    NONE,
    OPEN_STAGES,
    PROPOSAL,
    STAGE_NAMES,
    TYPES,
)
from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.geography import CURRENCIES
from coxswain.generator.engine.leads import SOURCES, Leads
from coxswain.generator.engine.opportunities import OPPORTUNITY_PREFIX, Deals
from coxswain.generator.engine.org import Reps
from coxswain.generator.engine.products import PRODUCT_PREFIX, PRODUCT_WIDTH
from coxswain.generator.engine.vocabulary import OPEN_NEXT_STEPS
from coxswain.opportunities.defaults import DEFAULT_LOST_REASONS, DEFAULT_PIPELINE

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LINE_ITEM_PREFIX = "LI"
TYPE_LABELS = ("New Business", "Renewal", "Upsell")
# Lost-reason weights (DEFAULT_LOST_REASONS order: Price, Competitor, No budget, No decision,
# Timing, Product fit, Went dark) for deals lost early (Prospecting/Qualification) or later.
EARLY_LOSS = np.array([0.03, 0.02, 0.25, 0.1, 0.2, 0.2, 0.2])
LATE_LOSS = np.array([0.25, 0.25, 0.05, 0.2, 0.1, 0.05, 0.1])
SLIPPED_SHARE = 0.15


def _deal_ids(deals: Deals, index: IntArray) -> Ids:
    return Ids(OPPORTUNITY_PREFIX, deals.width, index + 1)


def _lost_reason(rng: np.random.Generator, deals: Deals, current: IntArray) -> IntArray:
    """A reason for every lost deal by the stage it was lost in; -1 for the others."""
    n = len(deals)
    lost_in = deals.paths.stage[np.arange(n), np.maximum(deals.paths.changes - 2, 0)]
    early = rng.choice(len(EARLY_LOSS), n, p=EARLY_LOSS / EARLY_LOSS.sum())
    late = rng.choice(len(LATE_LOSS), n, p=LATE_LOSS / LATE_LOSS.sum())
    return np.where(current == LOST, np.where(lost_in < 2, early, late), -1)


def _expected_close(rng: np.random.Generator, config: GeneratorConfig, deals: Deals) -> IntArray:
    """Closed deals: their close day. Open deals: the day they will close, except ~15 % whose
    expected date has slipped into the past (between their last change and ``as_of``)."""
    paths = deals.paths
    last_day = paths.time[np.arange(len(deals)), paths.changes - 1] // MINUTES_PER_DAY
    planned = paths.natural_end // MINUTES_PER_DAY
    slipped_day = last_day + (rng.random(len(deals)) * (config.last_day - last_day)).astype(
        np.int64
    )
    is_open = paths.current < OPEN_STAGES
    slipped = is_open & (rng.random(len(deals)) < SLIPPED_SHARE)
    return np.where(slipped, slipped_day, np.where(is_open, planned, last_day))


def _next_step(rng: np.random.Generator, current: IntArray) -> Column:
    """A next step suited to each open deal's stage; NULL for closed deals."""
    steps = [step for group in OPEN_NEXT_STEPS for step in group]
    step_start = np.cumsum([0, *[len(g) for g in OPEN_NEXT_STEPS[:-1]]])
    step_count = np.array([len(g) for g in OPEN_NEXT_STEPS])
    stage = np.minimum(current, OPEN_STAGES - 1)
    pick = step_start[stage] + (rng.random(len(current)) * step_count[stage]).astype(np.int64)
    return codes(steps, np.where(current >= OPEN_STAGES, -1, pick))


def opportunities_entity(
    config: GeneratorConfig, deals: Deals, accounts: Accounts, reps: Reps, leads: Leads
) -> Entity:
    rng = config.rng("opportunity-details")
    n = len(deals)
    seeds, paths = deals.seeds, deals.paths
    index = np.arange(n)
    current = paths.current
    closed = current >= OPEN_STAGES
    day = paths.time // MINUTES_PER_DAY
    last_day = day[index, paths.changes - 1]
    from_lead = seeds.lead >= 0
    return entity(
        "opportunities",
        n,
        external_id=_deal_ids(deals, index),
        name=Joined((accounts.name(seeds.account), " - ", codes(TYPE_LABELS, seeds.type))),
        account=accounts.ids(seeds.account),
        owner=reps.ids(seeds.owner),
        pipeline=codes([DEFAULT_PIPELINE], np.zeros(n, dtype=np.int64)),
        stage=codes(STAGE_NAMES, current),
        amount=Money(deals.lines.amount, deals.lines.exponent.astype(np.int8)),
        currency=codes([c.code for c in CURRENCIES], deals.currency),
        probability=Ints(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)),
        forecast_category=codes(["pipeline"], np.full(n, -1)),
        type=codes(TYPES, seeds.type),
        lead_source=codes(SOURCES, seeds.source),
        lead=leads.ids(np.maximum(seeds.lead, 0), from_lead),
        lost_reason=codes(DEFAULT_LOST_REASONS, _lost_reason(rng, deals, current)),
        opened_on=Dates(day[:, 0]),
        engaged_on=Dates(day[:, 1], paths.changes >= 2),
        expected_close_on=Dates(_expected_close(rng, config, deals)),
        closed_on=Dates(last_day, closed),
        next_step=_next_step(rng, current),
        description=Joined(
            ("Converted from lead ", leads.ids(np.maximum(seeds.lead, 0), from_lead))
        ),
    )


def line_items_entity(deals: Deals) -> Entity:
    lines = deals.lines
    n = len(lines.deal)
    exponent = lines.exponent[lines.deal].astype(np.int8)
    return entity(
        "line_items",
        n,
        external_id=Ids(LINE_ITEM_PREFIX, id_width(n, 8), np.arange(1, n + 1)),
        opportunity=_deal_ids(deals, lines.deal),
        product=Ids(PRODUCT_PREFIX, PRODUCT_WIDTH, lines.product + 1),
        quantity=Ints(lines.quantity),
        unit_price=Money(lines.unit_minor, exponent),
        discount=Ints(lines.discount),
        currency=codes([c.code for c in CURRENCIES], deals.currency[lines.deal]),
    )


def stage_changes_entity(deals: Deals, reps: Reps) -> Entity:
    """One row per stage change, grouped by opportunity and in time order within each.

    The change matrices are read through a boolean mask in row-major order, which yields the
    rows deal by deal and change by change without building index arrays first.
    """
    paths = deals.paths
    happened = paths.stage != NONE
    n = len(deals)
    previous = np.concatenate([np.full((n, 1), NONE, dtype=np.int8), paths.stage[:, :-1]], axis=1)
    final = np.where(
        paths.stage >= PROPOSAL, deals.lines.amount[:, None], deals.initial_amount[:, None]
    )
    deal = np.repeat(np.arange(n), paths.changes)
    return entity(
        "stage_changes",
        len(deal),
        opportunity=_deal_ids(deals, deal),
        from_stage=codes(STAGE_NAMES, previous[happened]),
        to_stage=codes(STAGE_NAMES, paths.stage[happened]),
        changed_at=DateTimes(paths.time[happened]),
        changed_by=reps.ids(deals.seeds.owner[deal]),
        amount=Money(final[happened], deals.lines.exponent[deal].astype(np.int8)),
    )
