"""Win-probability model: calibrated gradient boosting on point-in-time deal features.

A leakage probe (:func:`amount_gives_outcome`) leaves the amount out when it alone gives
the outcome away. ``fit(history, as_of)`` trains on every deal closed before the cut-off,
each seen once at a random day of its open life
(:func:`.features.training_snapshots`),
ordered by close date for the time-ordered calibration split (:mod:`.calibrated`).
``predict(rows, days)`` scores deals seen at those days; :meth:`WinModel.explain` gives each
deal's top factors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coxswain.forecasting.engine.history import WON, DealHistory, FloatArray, IntArray
from coxswain.forecasting.engine.metrics import roc_auc
from coxswain.scoring.engine.calibrated import CalibratedBooster, reference_row
from coxswain.scoring.engine.features import (
    CATEGORICAL,
    FEATURES,
    OwnerPrior,
    deal_features,
    training_snapshots,
)

CATEGORICAL_COLUMNS = tuple(FEATURES.index(name) for name in CATEGORICAL)
LEAK_SUSPECTS = ("log_amount",)
PROBE_COLUMNS = (FEATURES.index("log_amount"), FEATURES.index("product"))
LEAK_AUC = 0.9
PROBE_ROWS = 100_000


def amount_gives_outcome(features: FloatArray, label: FloatArray, order: FloatArray) -> bool:
    """Leakage probe: can amount and product *alone* tell won from lost (held-out AUC above
    ``LEAK_AUC``)? Then the amount was most likely recorded after the outcome (e.g. lost
    deals kept at list price, won deals at their final value) and is left out of the model.
    """
    if label.size < 200 or label.min() == label.max():
        return False
    if label.size > PROBE_ROWS:  # a sample is plenty to see a near-perfect separation
        keep = np.sort(np.random.default_rng(0).choice(label.size, PROBE_ROWS, replace=False))
        features, label, order = features[keep], label[keep], order[keep]
    sort = np.argsort(order, kind="stable")
    cut = int(label.size * 0.8)
    train, test = sort[:cut], sort[cut:]
    if label[train].min() == label[train].max() or label[test].min() == label[test].max():
        return False
    probe = CalibratedBooster(categorical=(1,), max_iter=50, calibration_share=0.0)
    probe.fit(features[train][:, PROBE_COLUMNS], label[train], order[train])
    return roc_auc(label[test], probe.predict(features[test][:, PROBE_COLUMNS])) > LEAK_AUC


@dataclass(frozen=True, slots=True)
class Factor:
    """A feature and how many probability points it adds (negative: takes away)."""

    feature: str
    effect: float


@dataclass
class WinModel:
    """Calibrated P(won) for open deals; see the module docstring."""

    seed: int = 0
    max_iter: int = 100
    booster: CalibratedBooster = field(init=False)
    prior: OwnerPrior = field(default_factory=OwnerPrior)
    reference: FloatArray = field(default_factory=lambda: np.zeros(0))
    trained_on: int = 0
    dropped: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.booster = CalibratedBooster(
            categorical=CATEGORICAL_COLUMNS, seed=self.seed, max_iter=self.max_iter
        )

    def fit(self, history: DealHistory, as_of: int) -> WinModel:
        """Train on deals closed before ``as_of``."""
        rows, days, label = training_snapshots(history, as_of, self.seed)
        closed = (history.outcome != 0) & (history.closed < as_of)
        won = float((history.outcome[closed] == WON).mean()) if closed.any() else 0.3
        self.prior = OwnerPrior(rate=won)
        features = deal_features(history, rows, days, self.prior)
        order = history.closed[rows].astype(np.float64)
        self.dropped = tuple(LEAK_SUSPECTS) if amount_gives_outcome(features, label, order) else ()
        self.booster.fit(self._without_dropped(features), label, order)
        self.reference = reference_row(features, CATEGORICAL_COLUMNS) if rows.size else np.zeros(0)
        self.trained_on = int(rows.size)
        return self

    def _without_dropped(self, features: FloatArray) -> FloatArray:
        if not self.dropped:
            return features
        cleaned = features.copy()
        cleaned[:, [FEATURES.index(name) for name in self.dropped]] = np.nan
        return cleaned

    def features(self, history: DealHistory, rows: IntArray, days: IntArray | int) -> FloatArray:
        """Feature matrix (dropped features are blanked to NaN)."""
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), rows.shape)
        return self._without_dropped(deal_features(history, rows, days, self.prior))

    def predict(self, history: DealHistory, rows: IntArray, days: IntArray | int) -> FloatArray:
        """Calibrated P(won eventually) for ``rows`` seen at ``days``."""
        return self.booster.predict(self.features(history, rows, days))

    def explain(
        self, history: DealHistory, rows: IntArray, days: IntArray | int, top: int = 3
    ) -> list[list[Factor]]:
        """Each row's ``top`` factors (largest effect on its probability first)."""
        if self.reference.size == 0:
            return [[] for _ in range(rows.size)]
        found = self.booster.top_factors(
            self.features(history, rows, days),
            FEATURES,
            self._without_dropped(self.reference[None, :])[0],
            top,
        )
        return [[Factor(name, effect) for name, effect in row] for row in found]
