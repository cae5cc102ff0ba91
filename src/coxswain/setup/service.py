"""Seed reference data. Idempotent: running it again adds only what is missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.core.settings import get_settings
from coxswain.currencies.models import Currency
from coxswain.currencies.service import ensure_currency, set_reporting_currency
from coxswain.opportunities.defaults import (
    DEFAULT_CURRENCIES,
    DEFAULT_LOST_REASONS,
    DEFAULT_PIPELINE,
    DEFAULT_STAGES,
)
from coxswain.opportunities.models import LostReason, Pipeline
from coxswain.opportunities.pipelines import ensure_lost_reasons, ensure_pipeline


def seed_reference_data(session: Session, *, reporting_currency: str | None = None) -> list[str]:
    """Make sure currencies, a reporting currency, a default pipeline and lost reasons exist.

    Returns the names of what was added (empty when the workspace was already set up).
    """
    added: list[str] = []
    if session.scalar(select(Currency.code).limit(1)) is None:
        for code in DEFAULT_CURRENCIES:
            ensure_currency(session, code)
        added.append("currencies")
    current = session.scalar(select(Currency.code).where(Currency.is_reporting.is_(True)))
    wanted = (reporting_currency or (current or get_settings().reporting_currency)).upper()
    if current != wanted:
        set_reporting_currency(session, wanted)
        added.append(f"reporting currency {wanted}")
    if session.scalar(select(Pipeline.id).limit(1)) is None:
        ensure_pipeline(session, DEFAULT_PIPELINE, DEFAULT_STAGES, is_default=True)
        added.append(f"pipeline {DEFAULT_PIPELINE!r}")
    if session.scalar(select(LostReason.id).limit(1)) is None:
        ensure_lost_reasons(session, DEFAULT_LOST_REASONS)
        added.append("lost reasons")
    return added
