"""Pipeline and stage use cases (stages are data; logic keys off the category)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.core.errors import NotFoundError
from coxswain.opportunities.defaults import StageTemplate
from coxswain.opportunities.models import LostReason, Pipeline, Stage


def default_pipeline(session: Session) -> Pipeline:
    pipeline = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if pipeline is None:
        pipeline = session.scalar(select(Pipeline).order_by(Pipeline.created_at).limit(1))
    if pipeline is None:
        raise NotFoundError("no pipeline exists; run `coxswain init`")
    return pipeline


def pipeline_by_name(session: Session, name: str) -> Pipeline | None:
    return session.scalar(select(Pipeline).where(func.lower(Pipeline.name) == name.strip().lower()))


def ensure_pipeline(
    session: Session, name: str, stages: Sequence[StageTemplate], *, is_default: bool = False
) -> Pipeline:
    """Create ``name`` with ``stages`` when it does not exist; add any missing stage at the end."""
    pipeline = pipeline_by_name(session, name)
    if pipeline is None:
        pipeline = Pipeline(name=name, is_default=is_default)
        session.add(pipeline)
        session.flush()
    existing = {
        s.name.lower(): s
        for s in session.scalars(select(Stage).where(Stage.pipeline_id == pipeline.id))
    }
    position = max((s.position for s in existing.values()), default=0)
    for stage_name, probability, category, forecast_category in stages:
        if stage_name.lower() in existing:
            continue
        position += 1
        session.add(
            Stage(
                pipeline_id=pipeline.id,
                name=stage_name,
                position=position,
                probability_bp=probability * 100,
                category=category.value,
                forecast_category=forecast_category.value,
            )
        )
    session.flush()
    return pipeline


def stages_of(session: Session, pipeline_id: object) -> list[Stage]:
    return list(
        session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
        )
    )


def ensure_lost_reasons(session: Session, names: Sequence[str]) -> None:
    existing = {n.lower() for n in session.scalars(select(LostReason.name))}
    for name in names:
        if name.lower() not in existing:
            session.add(LostReason(name=name))
    session.flush()
