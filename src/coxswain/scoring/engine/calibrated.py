"""Gradient boosting with isotonic calibration on a later, held-out slice of time.

The examples are ordered by time; the first ``1 - calibration_share`` train a scikit-learn
``HistGradientBoostingClassifier``, the rest fit an ``IsotonicRegression`` from its raw
scores to observed outcomes, so the probabilities are calibrated on data the trees never
saw. With fewer than ``min_calibration`` calibration examples (or one class only), the raw
probabilities are used.

Threads: below ``PARALLEL_ROWS`` examples the trees use one OpenMP thread. On a busy shared
machine OpenMP's spinning threads make small fits 10-20× slower (measured: 10 s instead of
0.5 s for 3,000 rows at load 9 on 2 cores); large fits use every core.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from coxswain.forecasting.engine.history import BoolArray, FloatArray

PARALLEL_ROWS = 200_000


@contextmanager
def openmp_threads(rows: int) -> Iterator[None]:
    """One OpenMP thread for fewer than ``PARALLEL_ROWS`` rows, the default otherwise."""
    if rows >= PARALLEL_ROWS:
        yield
        return
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@dataclass
class CalibratedBooster:
    """A boosted tree classifier plus isotonic calibration; ``fit`` then ``predict``."""

    categorical: tuple[int, ...] = ()
    calibration_share: float = 0.2
    min_calibration: int = 50
    max_iter: int = 100
    learning_rate: float = 0.15
    seed: int = 0
    base_rate: float = 0.5
    model: object | None = field(default=None, repr=False)
    empty_columns: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)
    calibrator: object | None = field(default=None, repr=False)

    def fit(self, features: FloatArray, label: FloatArray, order: FloatArray) -> CalibratedBooster:
        """Train on ``features``/``label`` (0/1); ``order`` gives each example's time."""
        from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
        from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

        label = np.asarray(label, dtype=np.float64)
        self.empty_columns = (
            np.all(np.isnan(features), axis=0) if features.size else np.zeros(0, bool)
        )
        features = self._clean(features)
        self.base_rate = float(label.mean()) if label.size else 0.5
        self.model = self.calibrator = None
        if label.size < 20 or label.min() == label.max():
            return self
        sort = np.argsort(order, kind="stable")
        cut = round(label.size * (1 - self.calibration_share))
        train, hold = sort[:cut], sort[cut:]
        if label[train].min() == label[train].max():
            train, hold = sort, sort[:0]
        mask = np.zeros(features.shape[1], dtype=bool)
        mask[list(self.categorical)] = True
        with openmp_threads(label.size):
            self.model = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                categorical_features=mask if mask.any() else None,
                early_stopping=label[train].size > 10_000,
                random_state=self.seed,
            ).fit(features[train], label[train])
        if hold.size >= self.min_calibration and label[hold].min() != label[hold].max():
            raw = self._raw(features[hold])
            self.calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            self.calibrator.fit(raw, label[hold])  # type: ignore[attr-defined]
        return self

    def _clean(self, features: FloatArray) -> FloatArray:
        """Columns with no value at all become 0 (the trees cannot bin an empty column)."""
        if not self.empty_columns.any():
            return features
        cleaned = features.copy()
        cleaned[:, self.empty_columns] = 0.0
        return cleaned

    def _raw(self, features: FloatArray) -> FloatArray:
        assert self.model is not None
        features = self._clean(features)
        with openmp_threads(features.shape[0]):
            raw = self.model.predict_proba(features)[:, 1]  # type: ignore[attr-defined]
        return np.asarray(raw, dtype=np.float64)

    def predict(self, features: FloatArray) -> FloatArray:
        """Calibrated P(label = 1) per row (the base rate when no model could be trained)."""
        if features.shape[0] == 0:
            return np.zeros(0)
        if self.model is None:
            return np.full(features.shape[0], self.base_rate)
        raw = self._raw(features)
        if self.calibrator is None:
            return raw
        return np.asarray(self.calibrator.predict(raw), dtype=np.float64)  # type: ignore[attr-defined]

    def top_factors(
        self, features: FloatArray, names: tuple[str, ...], reference: FloatArray, top: int = 3
    ) -> list[list[tuple[str, float]]]:
        """Per row, the ``top`` features whose replacement by ``reference`` moves the
        probability most: ``(name, effect)`` with effect = p(row) - p(row with it replaced),
        in probability points (0.12 = 12 points; positive = the value helps)."""
        if features.shape[0] == 0:
            return []
        base = self.predict(features)
        effects = np.zeros(features.shape)
        for j in range(features.shape[1]):
            changed = features.copy()
            changed[:, j] = reference[j]
            effects[:, j] = base - self.predict(changed)
        order = np.argsort(-np.abs(effects), axis=1)[:, :top]
        return [
            [(names[j], float(effects[i, j])) for j in order[i] if effects[i, j] != 0.0]
            for i in range(features.shape[0])
        ]


def reference_row(features: FloatArray, categorical: tuple[int, ...]) -> FloatArray:
    """Per column: the median (numeric) or most common code (categorical), NaN-aware."""
    reference = np.zeros(features.shape[1])
    for j in range(features.shape[1]):
        column = features[:, j][~np.isnan(features[:, j])]
        if column.size == 0:
            reference[j] = np.nan
        elif j in categorical:
            values, counts = np.unique(column, return_counts=True)
            reference[j] = values[np.argmax(counts)]
        else:
            reference[j] = float(np.median(column))
    return reference
