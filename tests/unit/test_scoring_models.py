"""Win-probability and lead models on synthetic data with a known signal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from coxswain.forecasting.engine.calendar import day
from coxswain.forecasting.engine.history import LOST, WON
from coxswain.forecasting.engine.metrics import roc_auc
from coxswain.forecasting.engine.synthetic import synthetic_history
from coxswain.scoring.engine.evaluation import evaluate_lead_model, evaluate_win_model
from coxswain.scoring.engine.features import FEATURES, deal_features, training_snapshots
from coxswain.scoring.engine.leads import LeadModel, LeadRecord, build_lead_history, leaky_features
from coxswain.scoring.engine.win_model import WinModel


@pytest.fixture(scope="module")
def history():  # type: ignore[no-untyped-def]
    return synthetic_history(4_000, end=date(2024, 12, 31), days=700, owners=12, seed=5)


def test_features_use_only_the_past(history) -> None:  # type: ignore[no-untyped-def]
    rows, days, _label = training_snapshots(history, day(date(2024, 12, 1)), seed=0)
    assert np.all(history.opened[rows] < days)
    assert np.all(days <= history.closed[rows])
    features = deal_features(history, rows[:50], days[:50])
    assert features.shape == (50, len(FEATURES))
    # the owner's record counts only deals the owner closed before the snapshot day
    i = 0
    owner = history.owner.codes[rows[i]]
    mine = (history.owner.codes == owner) & (history.outcome != 0) & (history.closed < days[i])
    assert features[i, FEATURES.index("owner_closed")] == mine.sum()


def test_win_model_learns_the_owner_signal_and_is_calibrated(history) -> None:  # type: ignore[no-untyped-def]
    evaluation = evaluate_win_model(history)
    assert evaluation is not None
    assert evaluation.auc > 0.6
    assert evaluation.split == "time"
    predicted = sum(b.mean_predicted * b.count for b in evaluation.reliability)
    observed = sum(b.observed_rate * b.count for b in evaluation.reliability)
    assert abs(predicted - observed) / evaluation.n < 0.08


def test_top_factors_explain_the_probability(history) -> None:  # type: ignore[no-untyped-def]
    cut_off = day(date(2024, 12, 1))
    model = WinModel().fit(history, cut_off)
    rows = np.flatnonzero((history.opened < cut_off) & (history.closed >= cut_off))[:5]
    factors = model.explain(history, rows, cut_off)
    assert len(factors) == 5
    assert all(len(f) <= 3 for f in factors)
    assert all(f.feature in FEATURES for row in factors for f in row)


def test_amount_recorded_after_the_outcome_is_left_out(history) -> None:  # type: ignore[no-untyped-def]
    leaky = replace(history, amount=np.where(history.outcome == WON, 1000.0, 10.0))
    leaky = replace(leaky, events_amount=leaky.amount[leaky.events_deal])
    model = WinModel().fit(leaky, leaky.known_through + 1)
    assert model.dropped == ("log_amount",)
    assert WinModel().fit(history, history.known_through + 1).dropped == ()


def _leads(n: int = 3_000) -> list[LeadRecord]:
    rng = np.random.default_rng(0)
    records = []
    start = date(2023, 1, 1)
    for i in range(n):
        source = str(rng.choice(["referral", "web", "paid"]))
        p = {"referral": 0.4, "web": 0.15, "paid": 0.05}[source]
        received = start + timedelta(days=int(rng.integers(0, 500)))
        converted = (
            received + timedelta(days=int(rng.integers(1, 60))) if rng.random() < p else None
        )
        records.append(
            LeadRecord(
                key=f"L{i}",
                received_on=received,
                converted_on=converted,
                categorical={"source": source, "segment": "retail" if converted else None},
                numeric={"employees": float(rng.integers(1, 500))},
            )
        )
    return records


def test_lead_model_drops_a_field_filled_only_on_conversion() -> None:
    leads = build_lead_history(_leads(), known_through=date(2024, 12, 31))
    model = LeadModel(horizon=90).fit(leads, leads.known_through + 1)
    assert model.dropped == ["segment"]
    assert "source" in model.names
    referral = leads.categorical["source"].labels.index("referral")
    rows = np.arange(leads.size)
    p = model.predict(rows)
    is_referral = leads.categorical["source"].codes == referral
    assert p[is_referral].mean() > p[~is_referral].mean() + 0.15


def test_lead_evaluation_is_out_of_sample() -> None:
    leads = build_lead_history(_leads(), known_through=date(2024, 12, 31))
    evaluation = evaluate_lead_model(leads, horizon=90)
    assert evaluation is not None
    assert evaluation.split == "time"
    assert 0.6 < evaluation.auc < 0.9
    assert evaluation.notes
    assert "segment" in evaluation.notes[0]
    undated = build_lead_history(
        [
            replace(
                r,
                received_on=date(2024, 1, 1),
                converted_on=None if r.converted_on is None else date(2024, 1, 5),
            )
            for r in _leads()
        ],
        known_through=date(2024, 12, 31),
    )
    assert evaluate_lead_model(undated, horizon=90).split == "cross_validation"  # type: ignore[union-attr]


def test_leaky_features_needs_both_outcomes() -> None:
    leads = build_lead_history(_leads(50), known_through=date(2024, 12, 31))
    rows = np.arange(leads.size)
    assert leaky_features(leads, rows, np.zeros(leads.size)) == []
    _ = (LOST, roc_auc)
