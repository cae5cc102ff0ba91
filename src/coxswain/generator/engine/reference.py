"""Reference rows every generated company starts with: the default pipeline and lost reasons."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from coxswain.generator.engine.columns import Entity, Ints, Strings, entity
from coxswain.opportunities.defaults import DEFAULT_LOST_REASONS, DEFAULT_PIPELINE, DEFAULT_STAGES


def stages_entity() -> Entity:
    """The stages of the default pipeline, positions from 1."""
    n = len(DEFAULT_STAGES)
    return entity(
        "stages",
        n,
        pipeline=Strings(pa.array([DEFAULT_PIPELINE] * n)),
        name=Strings(pa.array([stage[0] for stage in DEFAULT_STAGES])),
        position=Ints(np.arange(1, n + 1)),
        probability=Ints(np.array([stage[1] for stage in DEFAULT_STAGES])),
        category=Strings(pa.array([stage[2].value for stage in DEFAULT_STAGES])),
        forecast_category=Strings(pa.array([stage[3].value for stage in DEFAULT_STAGES])),
    )


def lost_reasons_entity() -> Entity:
    return entity(
        "lost_reasons", len(DEFAULT_LOST_REASONS), name=Strings(pa.array(DEFAULT_LOST_REASONS))
    )
