"""Stage lookups for opportunity imports: by pipeline and name, creating missing ones on request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.core.enums import StageCategory
from coxswain.opportunities.defaults import DEFAULT_STAGES, HUBSPOT_STAGES, SALESFORCE_STAGES
from coxswain.opportunities.models import Pipeline, Stage

KNOWN_STAGES = {
    name.lower(): (p, c, f)
    for name, p, c, f in (*DEFAULT_STAGES, *SALESFORCE_STAGES, *HUBSPOT_STAGES)
}


@dataclass(frozen=True, slots=True)
class StageInfo:
    id: uuid.UUID
    pipeline_id: uuid.UUID
    name: str
    category: str
    probability_bp: int
    forecast_category: str
    position: int


class StageBook:
    """Every pipeline and stage, loaded once per import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pipelines: dict[str, uuid.UUID] = {}
        self.default_pipeline: uuid.UUID | None = None
        self.stages: dict[tuple[uuid.UUID, str], StageInfo] = {}
        self.by_id: dict[uuid.UUID, StageInfo] = {}
        first: uuid.UUID | None = None
        for pipeline in session.scalars(select(Pipeline).order_by(Pipeline.created_at)):
            self.pipelines[pipeline.name.lower()] = pipeline.id
            first = first or pipeline.id
            if pipeline.is_default:
                self.default_pipeline = pipeline.id
        self.default_pipeline = self.default_pipeline or first
        for stage in session.scalars(select(Stage)):
            self._add(stage)

    def _add(self, stage: Stage) -> StageInfo:
        info = StageInfo(
            stage.id,
            stage.pipeline_id,
            stage.name,
            stage.category,
            stage.probability_bp,
            stage.forecast_category,
            stage.position,
        )
        self.stages[(stage.pipeline_id, stage.name.lower())] = info
        self.by_id[stage.id] = info
        return info

    def pipeline_id(self, name: str | None, *, create: bool = False) -> uuid.UUID | None:
        if name is None:
            return self.default_pipeline
        found = self.pipelines.get(name.strip().lower())
        if found is None and create:
            pipeline = Pipeline(name=name.strip(), is_default=self.default_pipeline is None)
            self.session.add(pipeline)
            self.session.flush()
            self.pipelines[pipeline.name.lower()] = pipeline.id
            self.default_pipeline = self.default_pipeline or pipeline.id
            found = pipeline.id
        return found

    def stage(self, pipeline_id: uuid.UUID, name: str, *, create: bool = False) -> StageInfo | None:
        found = self.stages.get((pipeline_id, name.strip().lower()))
        if found is None and create:
            found = self._create(pipeline_id, name.strip())
        return found

    def names(self, pipeline_id: uuid.UUID) -> list[str]:
        infos = sorted(
            (s for s in self.by_id.values() if s.pipeline_id == pipeline_id),
            key=lambda s: s.position,
        )
        return [s.name for s in infos]

    def _create(self, pipeline_id: uuid.UUID, name: str) -> StageInfo:
        """A stage the file names but the pipeline lacks; category inferred from the name."""
        known = KNOWN_STAGES.get(name.lower())
        lowered = name.lower()
        if known is not None:
            probability, category, forecast = known[0], known[1].value, known[2].value
        elif "won" in lowered:
            probability, category, forecast = 100, StageCategory.WON.value, "closed"
        elif "lost" in lowered:
            probability, category, forecast = 0, StageCategory.LOST.value, "omitted"
        else:
            probability, category, forecast = 10, StageCategory.OPEN.value, "pipeline"
        position = 1 + max(
            (s.position for s in self.by_id.values() if s.pipeline_id == pipeline_id), default=0
        )
        stage = Stage(
            pipeline_id=pipeline_id,
            name=name,
            position=position,
            probability_bp=probability * 100,
            category=category,
            forecast_category=forecast,
        )
        self.session.add(stage)
        self.session.flush()
        return self._add(stage)
