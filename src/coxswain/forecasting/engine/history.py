"""The dated history every forecasting method learns from, as columns of NumPy arrays.

:class:`DealHistory` holds one row per opportunity (its *current* attributes and final or
present outcome) plus the dated stage changes and activities. Nothing in it is "as of" a
cut-off: :mod:`coxswain.forecasting.engine.snapshot` rebuilds what was known at any cut-off,
so methods cannot see the future by accident.

Build one with :func:`build_history` from :class:`DealRecord` / :class:`StageRecord` /
:class:`StageEventRecord` rows (tests, the repository) or directly from arrays (benchmarks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.calendar import day

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

UNKNOWN_DAY = -(1 << 40)  # an opened date nobody recorded
NEVER = 1 << 40  # a close date that has not happened
OPEN, WON, LOST = 0, 1, 2
CATEGORY_CODES = {"open": OPEN, "won": WON, "lost": LOST}


@dataclass(frozen=True, eq=False)
class Categorical:
    """Integer codes into ``labels``; a missing value is the label ``""``."""

    codes: IntArray
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> Categorical:
        labels = sorted({v or "" for v in values})
        index = {label: i for i, label in enumerate(labels)}
        codes = np.fromiter((index[v or ""] for v in values), dtype=np.int64, count=len(values))
        return cls(codes=codes, labels=tuple(labels))

    def label(self, row: int) -> str:
        return self.labels[int(self.codes[row])]


@dataclass(frozen=True, slots=True)
class StageRecord:
    """A stage: ``probability`` is the default win chance as a fraction (0.0 to 1.0)."""

    key: str
    pipeline: str
    name: str
    position: int
    probability: float
    category: str  # open / won / lost
    forecast_category: str = "pipeline"


@dataclass(frozen=True, slots=True)
class DealRecord:
    """One opportunity as it is now. ``amount`` is in the reporting currency (major units).

    ``probability`` is a per-deal override (fraction) or None; ``stage`` is a stage key.
    """

    key: str
    pipeline: str
    stage: str
    amount: float
    opened_on: date | None
    closed_on: date | None = None
    owner: str = ""
    segment: str = ""
    product: str = ""
    deal_type: str = ""
    lead_source: str = ""
    probability: float | None = None
    expected_close_on: date | None = None
    account_employees: float | None = None
    account_revenue: float | None = None
    forecast_category: str = ""


@dataclass(frozen=True, slots=True)
class StageEventRecord:
    """The deal ``deal`` entered ``stage`` on ``on``; ``amount`` is its amount then (or None)."""

    deal: str
    stage: str
    on: date
    amount: float | None = None


@dataclass(frozen=True, eq=False)
class StageTable:
    """Stages as columns; row ``i`` is stage ``i`` everywhere in the engine."""

    keys: tuple[str, ...]
    names: tuple[str, ...]
    pipeline: IntArray
    position: IntArray
    probability: FloatArray
    category: IntArray  # OPEN / WON / LOST
    forecast_category: tuple[str, ...]

    def first_open(self, pipeline: int) -> int:
        """Index of the lowest-position open stage of ``pipeline`` (-1 when it has none)."""
        rows = np.flatnonzero((self.pipeline == pipeline) & (self.category == OPEN))
        if rows.size == 0:
            return -1
        return int(rows[np.argmin(self.position[rows])])


@dataclass(frozen=True, eq=False)
class DealHistory:
    """Every opportunity, its stage changes and its activities, as arrays (row = deal).

    ``opened`` is :data:`UNKNOWN_DAY` where no one recorded it (such deals exist only in the
    live pipeline, never at a past cut-off); ``closed`` is :data:`NEVER` for open deals;
    ``outcome`` is OPEN, WON or LOST now. ``events_*`` are sorted by deal then day;
    ``activity_*`` likewise. ``known_through`` is the last day the data describes.
    """

    keys: tuple[str, ...]
    pipelines: tuple[str, ...]
    pipeline: IntArray
    stage: IntArray
    outcome: IntArray
    amount: FloatArray
    opened: IntArray
    closed: IntArray
    expected_close: IntArray
    probability_override: FloatArray
    account_employees: FloatArray
    account_revenue: FloatArray
    owner: Categorical
    segment: Categorical
    product: Categorical
    deal_type: Categorical
    lead_source: Categorical
    forecast_category: tuple[str, ...]
    stages: StageTable
    events_deal: IntArray
    events_stage: IntArray
    events_day: IntArray
    events_amount: FloatArray
    activity_deal: IntArray
    activity_day: IntArray
    known_through: int

    @property
    def size(self) -> int:
        return len(self.keys)

    @property
    def won(self) -> BoolArray:
        won: BoolArray = self.outcome == WON
        return won

    @property
    def first_day(self) -> int:
        """The earliest known opened day (``known_through`` when nothing is dated)."""
        dated = self.opened[self.opened != UNKNOWN_DAY]
        return int(dated.min()) if dated.size else self.known_through


def build_stage_table(stages: Sequence[StageRecord], pipelines: Sequence[str]) -> StageTable:
    """Stage rows as columns; ``pipelines`` gives each pipeline name its index."""
    index = {name: i for i, name in enumerate(pipelines)}
    for stage in stages:
        if stage.category not in CATEGORY_CODES:
            raise ValidationError(f"stage {stage.name!r}: category {stage.category!r} is unknown")
    return StageTable(
        keys=tuple(s.key for s in stages),
        names=tuple(s.name for s in stages),
        pipeline=np.array([index[s.pipeline] for s in stages], dtype=np.int64),
        position=np.array([s.position for s in stages], dtype=np.int64),
        probability=np.array([s.probability for s in stages], dtype=np.float64),
        category=np.array([CATEGORY_CODES[s.category] for s in stages], dtype=np.int64),
        forecast_category=tuple(s.forecast_category for s in stages),
    )


def _days(values: Sequence[date | None], missing: int) -> IntArray:
    return np.array([missing if v is None else day(v) for v in values], dtype=np.int64)


def _floats(values: Sequence[float | None]) -> FloatArray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def build_history(
    deals: Sequence[DealRecord],
    stages: Sequence[StageRecord],
    events: Sequence[StageEventRecord] = (),
    activities: Sequence[tuple[str, date]] = (),
    *,
    known_through: date,
) -> DealHistory:
    """Assemble a :class:`DealHistory` from plain records.

    Events and activities naming a deal that is not in ``deals`` are ignored.

    Raises:
        ValidationError: a deal names a stage that is not in ``stages``.
    """
    pipelines = tuple(sorted({s.pipeline for s in stages} | {d.pipeline for d in deals}))
    table = build_stage_table(stages, pipelines)
    stage_index = {key: i for i, key in enumerate(table.keys)}
    deal_index = {d.key: i for i, d in enumerate(deals)}
    for deal in deals:
        if deal.stage not in stage_index:
            raise ValidationError(f"deal {deal.key!r}: stage {deal.stage!r} is unknown")
    stage_rows = np.array([stage_index[d.stage] for d in deals], dtype=np.int64)
    pipe_index = {name: i for i, name in enumerate(pipelines)}
    kept = sorted(
        (deal_index[e.deal], day(e.on), stage_index[e.stage], e.amount)
        for e in events
        if e.deal in deal_index and e.stage in stage_index
    )
    acts = sorted((deal_index[k], day(on)) for k, on in activities if k in deal_index)
    return DealHistory(
        keys=tuple(d.key for d in deals),
        pipelines=pipelines,
        pipeline=np.array([pipe_index[d.pipeline] for d in deals], dtype=np.int64),
        stage=stage_rows,
        outcome=table.category[stage_rows] if deals else np.zeros(0, dtype=np.int64),
        amount=_floats([d.amount for d in deals]),
        opened=_days([d.opened_on for d in deals], UNKNOWN_DAY),
        closed=_days([d.closed_on for d in deals], NEVER),
        expected_close=_days([d.expected_close_on for d in deals], UNKNOWN_DAY),
        probability_override=_floats([d.probability for d in deals]),
        account_employees=_floats([d.account_employees for d in deals]),
        account_revenue=_floats([d.account_revenue for d in deals]),
        owner=Categorical.of([d.owner for d in deals]),
        segment=Categorical.of([d.segment for d in deals]),
        product=Categorical.of([d.product for d in deals]),
        deal_type=Categorical.of([d.deal_type for d in deals]),
        lead_source=Categorical.of([d.lead_source for d in deals]),
        forecast_category=tuple(d.forecast_category for d in deals),
        stages=table,
        events_deal=np.array([e[0] for e in kept], dtype=np.int64),
        events_day=np.array([e[1] for e in kept], dtype=np.int64),
        events_stage=np.array([e[2] for e in kept], dtype=np.int64),
        events_amount=_floats([e[3] for e in kept]),
        activity_deal=np.array([a[0] for a in acts], dtype=np.int64),
        activity_day=np.array([a[1] for a in acts], dtype=np.int64),
        known_through=day(known_through),
    )
