"""Out-of-sample quality of the win-probability and lead models.

Opportunities: deals closed before the 80th percentile of close dates train the model (as
of that day); deals closed on or after it are scored at a random day of their open life
(features from before that day only). Leads: the first 80 % by arrival train, the last
20 % test (labels are "converted within the horizon", fixed per lead). Where nothing is
dated, 5-fold cross-validation is used instead. Reported: ROC AUC, Brier score, a
reliability table (predicted vs observed per 0.1 bin) and the test size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coxswain.forecasting.engine.history import DealHistory, FloatArray, IntArray
from coxswain.forecasting.engine.metrics import ReliabilityBin, brier, reliability_table, roc_auc
from coxswain.scoring.engine.features import training_snapshots
from coxswain.scoring.engine.leads import LeadHistory, LeadModel, labelled_rows
from coxswain.scoring.engine.win_model import WinModel

TEST_SHARE = 0.2
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Quality on held-out examples; ``split`` is ``time`` or ``cross_validation``."""

    auc: float
    brier: float
    n: int
    base_rate: float
    split: str
    reliability: tuple[ReliabilityBin, ...]
    trained_on: int
    notes: tuple[str, ...] = ()


def _evaluation(
    label: FloatArray, p: FloatArray, split: str, trained: int, notes: tuple[str, ...] = ()
) -> Evaluation:
    return Evaluation(
        auc=roc_auc(label, p),
        brier=brier(label, p),
        n=int(label.size),
        base_rate=float(label.mean()) if label.size else float("nan"),
        split=split,
        reliability=tuple(reliability_table(label, p)),
        trained_on=trained,
        notes=notes,
    )


def evaluate_win_model(history: DealHistory, seed: int = 0) -> Evaluation | None:
    """Time-ordered evaluation of :class:`WinModel`; None with fewer than 20 closed deals."""
    end = history.known_through + 1
    rows, days, label = training_snapshots(history, end, seed + 1)
    if rows.size < 20:
        return None
    closed = history.closed[rows]
    split = int(np.quantile(closed, 1 - TEST_SHARE))
    test = closed >= split
    if test.all() or not test.any():
        return None
    model = WinModel(seed=seed).fit(history, split)
    p = model.predict(history, rows[test], days[test])
    return _evaluation(label[test], p, "time", model.trained_on)


def evaluate_lead_model(leads: LeadHistory, horizon: int = 180, seed: int = 0) -> Evaluation | None:
    """Time-ordered (or cross-validated) evaluation of :class:`LeadModel`; None without
    20 labelled leads of both outcomes."""
    end = leads.known_through + 1
    rows, label = labelled_rows(leads, end, horizon)
    if rows.size < 20 or label.min() == label.max():
        return None
    received = leads.received[rows]
    if np.unique(received).size < 2:
        return _cross_validate(leads, rows, label, horizon, seed)
    split = np.quantile(received, 1 - TEST_SHARE)
    train, test = rows[received < split], rows[received >= split]
    model = LeadModel(horizon=horizon, seed=seed).fit(leads, end, rows=train)
    p = model.predict(test)
    notes = tuple(f"left out {name}: present almost only for one outcome" for name in model.dropped)
    return _evaluation(label[received >= split], p, "time", model.trained_on, notes)


def _cross_validate(
    leads: LeadHistory, rows: IntArray, label: FloatArray, horizon: int, seed: int
) -> Evaluation:
    folds = np.random.default_rng(seed).integers(0, FOLDS, rows.size)
    predicted = np.zeros(rows.size)
    trained = 0
    for fold in range(FOLDS):
        model = LeadModel(horizon=horizon, seed=seed).fit(
            leads, leads.known_through + 1, rows=rows[folds != fold]
        )
        predicted[folds == fold] = model.predict(rows[folds == fold])
        trained = model.trained_on
    return _evaluation(label, predicted, "cross_validation", trained)
