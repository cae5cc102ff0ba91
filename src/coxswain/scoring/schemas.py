"""Pydantic DTOs of the scoring domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ReliabilityRow(BaseModel):
    """Predictions in ``[low, high)``: how many, their mean and the observed rate."""

    low: float
    high: float
    count: int
    mean_predicted: float
    observed_rate: float


class ModelQuality(BaseModel):
    """Out-of-sample quality: ROC AUC (0.5 = chance), Brier score (lower is better)."""

    auc: float | None
    brier: float
    n: int
    base_rate: float
    split: str
    trained_on: int
    reliability: list[ReliabilityRow]
    notes: list[str]


class ScoreEvaluation(BaseModel):
    """``contract()`` is the JSON printed by ``coxswain score evaluate --json``."""

    opportunities: ModelQuality | None
    leads: ModelQuality | None

    def contract(self) -> dict[str, Any]:
        def part(quality: ModelQuality | None) -> dict[str, Any] | None:
            if quality is None:
                return None
            return {"auc": quality.auc, "brier": quality.brier, "n": quality.n}

        return {"opportunities": part(self.opportunities), "leads": part(self.leads)}
