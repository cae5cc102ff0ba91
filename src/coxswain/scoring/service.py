"""Scoring use cases: evaluate the win-probability and lead models (never commits)."""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from coxswain.forecasting import repository as deals
from coxswain.scoring.engine.evaluation import Evaluation, evaluate_lead_model, evaluate_win_model
from coxswain.scoring.repository import load_lead_history
from coxswain.scoring.schemas import ModelQuality, ReliabilityRow, ScoreEvaluation


def _quality(evaluation: Evaluation | None) -> ModelQuality | None:
    if evaluation is None:
        return None
    return ModelQuality(
        auc=None if math.isnan(evaluation.auc) else evaluation.auc,
        brier=evaluation.brier,
        n=evaluation.n,
        base_rate=evaluation.base_rate,
        split=evaluation.split,
        trained_on=evaluation.trained_on,
        reliability=[
            ReliabilityRow(
                low=b.low,
                high=b.high,
                count=b.count,
                mean_predicted=b.mean_predicted,
                observed_rate=b.observed_rate,
            )
            for b in evaluation.reliability
        ],
        notes=list(evaluation.notes),
    )


def evaluate_models(
    session: Session, *, lead_horizon_days: int = 180, seed: int = 0
) -> ScoreEvaluation:
    """Out-of-sample quality of both models on the deals and leads in the database."""
    history = deals.load_history(session)
    opportunities = evaluate_win_model(history, seed) if history.size else None
    leads = load_lead_history(session)
    lead_quality = (
        evaluate_lead_model(leads, lead_horizon_days, seed) if leads is not None else None
    )
    return ScoreEvaluation(opportunities=_quality(opportunities), leads=_quality(lead_quality))
