"""Lead scoring: calibrated chance that a lead converts within ``horizon`` days of arriving.

Features are what is known when the lead arrives: its categorical attributes (source,
landing page, campaign, industry, country, size segment, ...), numeric ones (employees) and
the arrival's weekday and month. The label is "converted within ``horizon`` days"; leads
whose window has not ended by the cut-off are left out (their label is not known yet).

**Leakage guard.** Some sources fill a field only once a lead converts (Olist's business
segment, for one). A feature that is present for at least half of the converted leads but
for fewer than 5 % of the others (or the reverse) is dropped and reported in
:attr:`LeadModel.dropped`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from coxswain.forecasting.engine.calendar import day
from coxswain.forecasting.engine.history import (
    NEVER,
    UNKNOWN_DAY,
    BoolArray,
    Categorical,
    FloatArray,
    IntArray,
)
from coxswain.scoring.engine.calibrated import CalibratedBooster

MAX_CODES = 250


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """One lead: when it arrived and converted, and its attributes at arrival."""

    key: str
    received_on: date | None
    converted_on: date | None = None
    categorical: Mapping[str, str | None] = field(default_factory=dict)
    numeric: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class LeadHistory:
    keys: tuple[str, ...]
    received: IntArray
    converted: IntArray
    categorical: dict[str, Categorical]
    numeric: dict[str, FloatArray]
    known_through: int

    @property
    def size(self) -> int:
        return len(self.keys)


def build_lead_history(records: Sequence[LeadRecord], known_through: date) -> LeadHistory:
    """Columns from records; a field missing from a record counts as missing."""
    cat_names = sorted({k for r in records for k in r.categorical})
    num_names = sorted({k for r in records for k in r.numeric})
    return LeadHistory(
        keys=tuple(r.key for r in records),
        received=np.array(
            [UNKNOWN_DAY if r.received_on is None else day(r.received_on) for r in records],
            dtype=np.int64,
        ),
        converted=np.array(
            [NEVER if r.converted_on is None else day(r.converted_on) for r in records],
            dtype=np.int64,
        ),
        categorical={n: Categorical.of([r.categorical.get(n) for r in records]) for n in cat_names},
        numeric={
            n: np.array(
                [np.nan if r.numeric.get(n) is None else float(r.numeric[n] or 0) for r in records]
            )
            for n in num_names
        },
        known_through=day(known_through),
    )


def labelled_rows(leads: LeadHistory, as_of: int, horizon: int) -> tuple[IntArray, FloatArray]:
    """Leads whose ``horizon``-day window ended before ``as_of``, and whether they converted
    within it (a conversion after ``as_of`` is not known and does not count)."""
    dated = leads.received != UNKNOWN_DAY
    rows = np.flatnonzero(dated & (leads.received + horizon < as_of)).astype(np.int64)
    converted = leads.converted[rows]
    label = (converted <= leads.received[rows] + horizon) & (converted < as_of)
    return rows, label.astype(np.float64)


def _present(leads: LeadHistory, name: str, rows: IntArray) -> BoolArray:
    if name in leads.categorical:
        column = leads.categorical[name]
        empty = column.labels.index("") if "" in column.labels else -1
        present: BoolArray = column.codes[rows] != empty
        return present
    return ~np.isnan(leads.numeric[name][rows])


def leaky_features(leads: LeadHistory, rows: IntArray, label: FloatArray) -> list[str]:
    """Features whose presence gives the label away (see the module docstring)."""
    positive = label > 0.5
    if positive.all() or not positive.any():
        return []
    leaky = []
    for name in (*leads.categorical, *leads.numeric):
        present = _present(leads, name, rows)
        pos, neg = present[positive].mean(), present[~positive].mean()
        if (pos >= 0.5 and neg < 0.05) or (neg >= 0.5 and pos < 0.05):
            leaky.append(name)
    return leaky


@dataclass
class LeadModel:
    """Calibrated conversion model; ``fit(leads, as_of)`` then ``predict(rows)``."""

    horizon: int = 180
    seed: int = 0
    dropped: list[str] = field(default_factory=list)
    names: tuple[str, ...] = ()
    booster: CalibratedBooster = field(default_factory=CalibratedBooster)
    leads: LeadHistory | None = None
    trained_on: int = 0

    def features(self, rows: IntArray) -> FloatArray:
        assert self.leads is not None, "fit before predict"
        leads = self.leads
        columns = []
        for name in self.names:
            if name in leads.categorical:
                codes = leads.categorical[name].codes[rows]
                columns.append(np.minimum(codes, MAX_CODES).astype(np.float64))
            elif name in leads.numeric:
                columns.append(np.log1p(np.maximum(leads.numeric[name][rows], 0)))
        received = leads.received[rows].astype("datetime64[D]")
        columns.append(((leads.received[rows] + 3) % 7).astype(np.float64))  # 0 = Monday
        columns.append((received.astype("datetime64[M]").astype(np.int64) % 12).astype(np.float64))
        return np.column_stack(columns) if rows.size else np.zeros((0, len(self.names) + 2))

    def fit(self, leads: LeadHistory, as_of: int, rows: IntArray | None = None) -> LeadModel:
        """Train on labelled leads before ``as_of`` (or only on ``rows`` of them)."""
        labelled, label = labelled_rows(leads, as_of, self.horizon)
        if rows is not None:
            keep = np.isin(labelled, rows)
            labelled, label = labelled[keep], label[keep]
        self.leads = leads
        self.dropped = leaky_features(leads, labelled, label)
        self.names = tuple(n for n in (*leads.categorical, *leads.numeric) if n not in self.dropped)
        categorical = tuple(i for i, n in enumerate(self.names) if n in leads.categorical)
        self.booster = CalibratedBooster(categorical=categorical, seed=self.seed)
        self.booster.fit(self.features(labelled), label, leads.received[labelled].astype(float))
        self.trained_on = int(labelled.size)
        return self

    def predict(self, rows: IntArray) -> FloatArray:
        """Calibrated P(converts within the horizon) per lead row."""
        return self.booster.predict(self.features(np.asarray(rows, dtype=np.int64)))
