"""Who, when and what of every deal before it walks the pipeline.

Three kinds of deals:

- *From leads*: one new-business deal per converted lead, opened at the conversion, owned by
  the lead's AE, with the lead's source; it enters at Prospecting or Qualification.
- *Outbound*: further new business on random accounts (``outbound`` 75 %, ``partner``,
  ``referral``, ``event``), opened in the owner's working hours on days that follow the growth
  trend and seasonality; it enters at Prospecting.
- *Follow-ons*: renewals (opened 60 days before the first anniversary of a won deal, entering
  at Qualification, 0-12 % price uplift) and upsells (3-18 months after a win, about a third of
  the original size) on accounts that won before.

Target amounts are USD, log-normal by segment: SMB median 10k (5-20k), mid-market 40k
(20-80k), enterprise 200k (80-500k); line items later turn them into local-currency amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.accounts import Accounts
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.deal_paths import STAGE_NAMES
from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.lead_funnel import NOT_YET
from coxswain.generator.engine.leads import SOURCES, Leads
from coxswain.generator.engine.org import Reps
from coxswain.generator.engine.timeline import OffsetTable, sample_days

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

NEW_BUSINESS, RENEWAL, UPSELL = 0, 1, 2
PROSPECTING = STAGE_NAMES.index("Prospecting")
QUALIFICATION = STAGE_NAMES.index("Qualification")
TARGET_MEDIAN_USD = np.array([10_000.0, 40_000.0, 200_000.0])
TARGET_SIGMA = np.array([0.35, 0.35, 0.45])
OUTBOUND_SOURCES = np.array(
    [SOURCES.index(s) for s in ("outbound", "partner", "referral", "event")]
)
OUTBOUND_SOURCE_SHARE = np.array([0.75, 0.12, 0.08, 0.05])
NEW_BUSINESS_SHARE = 0.8
RENEWAL_LEAD_DAYS = 60


@dataclass(frozen=True)
class Seeds:
    """Deals before the walk; ``lead`` is -1 for deals that did not come from a lead."""

    opened: IntArray  # UTC minute
    account: IntArray
    owner: IntArray
    type: IntArray
    entry: IntArray
    source: IntArray  # index into SOURCES
    lead: IntArray
    target_usd: FloatArray

    def __len__(self) -> int:
        return len(self.opened)

    def take(self, index: IntArray) -> Seeds:
        return Seeds(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Seeds]) -> Seeds:
        return Seeds(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Seeds)}
        )


def target_usd(rng: np.random.Generator, segment: IntArray) -> FloatArray:
    """Log-normal deal size in USD by segment."""
    noise = rng.standard_normal(len(segment))
    size = np.exp(np.log(TARGET_MEDIAN_USD[segment]) + TARGET_SIGMA[segment] * noise)
    return np.asarray(size, dtype=np.float64)


def owners_on(
    rng: np.random.Generator, accounts: Accounts, reps: Reps, preferred: IntArray,
    account: IntArray, day: IntArray,
) -> IntArray:  # fmt: skip
    """``preferred`` reps where employed on ``day``, else an AE of the account's cell."""
    owner = preferred.copy()
    busy = np.flatnonzero(~reps.employed(owner, day))
    cell = accounts.region[account[busy]] * 3 + accounts.segment[account[busy]]
    owner[busy] = reps.pick_ae(rng, cell, day[busy])
    return owner


def from_leads(
    rng: np.random.Generator, leads: Leads, accounts: Accounts, reps: Reps, limit: int
) -> Seeds:
    """One new-business deal per converted lead (at most ``limit``, the earliest kept)."""
    converted = np.flatnonzero(leads.converted != NOT_YET)
    converted = converted[np.argsort(leads.converted[converted], kind="stable")][:limit]
    opened = leads.converted[converted]
    account = leads.account[converted]
    owner = owners_on(
        rng, accounts, reps, leads.owner[converted], account, opened // MINUTES_PER_DAY
    )
    n = len(converted)
    return Seeds(
        opened=opened,
        account=account,
        owner=owner,
        type=np.full(n, NEW_BUSINESS),
        entry=np.where(rng.random(n) < 0.7, PROSPECTING, QUALIFICATION),
        source=leads.source[converted],
        lead=converted,
        target_usd=target_usd(rng, accounts.segment[account]),
    )


def outbound(
    rng: np.random.Generator, config: GeneratorConfig, count: int, accounts: Accounts,
    reps: Reps, offsets: OffsetTable,
) -> Seeds:  # fmt: skip
    """``count`` outbound new-business deals opened in their owners' working hours."""
    day = sample_days(rng, count, config.first_day, config.last_day)
    account = rng.integers(0, len(accounts), count)
    owner = owners_on(rng, accounts, reps, accounts.owner[account], account, day)
    start, end = reps.work_start[owner], reps.work_end[owner]
    local = day * MINUTES_PER_DAY + start + (rng.random(count) * (end - start)).astype(np.int64)
    cutoff = (config.last_day + 1) * MINUTES_PER_DAY
    opened = np.minimum(offsets.to_utc(reps.zone[owner], local), cutoff - 1)
    source = OUTBOUND_SOURCES[rng.choice(len(OUTBOUND_SOURCES), count, p=OUTBOUND_SOURCE_SHARE)]
    return Seeds(
        opened=opened,
        account=account,
        owner=owner,
        type=np.full(count, NEW_BUSINESS),
        entry=np.full(count, PROSPECTING),
        source=source,
        lead=np.full(count, -1),
        target_usd=target_usd(rng, accounts.segment[account]),
    )


def follow_ons(
    rng: np.random.Generator, config: GeneratorConfig, wins: Seeds, closed: IntArray,
    count: int, accounts: Accounts, reps: Reps,
) -> Seeds:  # fmt: skip
    """Up to ``count`` renewals and upsells of won deals ``wins`` closed at minutes ``closed``.

    Renewals take up to 55 % of ``count`` (one per win whose renewal date has come), upsells
    the rest (wins drawn with replacement). Fewer come back when history is too short.
    """
    cutoff = (config.last_day + 1) * MINUTES_PER_DAY
    renew_at = closed + (365 - RENEWAL_LEAD_DAYS) * MINUTES_PER_DAY
    renewable = np.flatnonzero(renew_at < cutoff)
    renewals = rng.permutation(renewable)[: min(len(renewable), round(0.55 * count))]
    upsell_at = closed + rng.integers(90, 540, len(closed)) * MINUTES_PER_DAY
    candidates = np.flatnonzero(upsell_at < cutoff)
    n_upsells = count - len(renewals) if len(candidates) else 0
    upsells = rng.choice(candidates, n_upsells) if n_upsells else np.zeros(0, dtype=np.int64)
    base = np.concatenate([renewals, upsells])
    n_renewals = len(renewals)
    opened = np.concatenate([renew_at[renewals], upsell_at[upsells]])
    kind = np.where(np.arange(len(base)) < n_renewals, RENEWAL, UPSELL)
    factor = np.where(
        kind == RENEWAL,
        rng.uniform(1.0, 1.12, len(base)),
        rng.lognormal(np.log(0.33), 0.4, len(base)),
    )
    account = wins.account[base]
    day = opened // MINUTES_PER_DAY
    return Seeds(
        opened=opened,
        account=account,
        owner=owners_on(rng, accounts, reps, wins.owner[base], account, day),
        type=kind,
        entry=np.where(
            (kind == RENEWAL) | (rng.random(len(base)) < 0.5), QUALIFICATION, PROSPECTING
        ),
        source=np.full(len(base), -1),  # existing customers: no lead source
        lead=np.full(len(base), -1),
        target_usd=wins.target_usd[base] * factor,
    )
