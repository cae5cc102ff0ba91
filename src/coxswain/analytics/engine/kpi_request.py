"""What a KPI computation is asked and what it answers, shared by the query side
(``kpi_queries.py``) and the evaluation (``compute.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import Kpi, Window
from coxswain.analytics.engine.dimensions import Dimension, Filters

Runner = Callable[[ir.Table], list[dict[str, Any]]]

Groups = dict[tuple[int, str | None], dict[str, float | None]]
WINDOW_COLUMN = "_window"
GROUP_COLUMN = "_group"


@dataclass(frozen=True, slots=True)
class KpiRequest:
    """Which KPIs, for which windows (current first, then the comparison), how grouped."""

    windows: tuple[Window, ...]
    filters: Filters = field(default_factory=Filters)
    dimension: Dimension | None = None
    slugs: tuple[str, ...] | None = None
    overall: bool = True


@dataclass(frozen=True, slots=True)
class KpiValue:
    """A KPI's value in each window, overall (``values``) and per group (``by``).

    ``values[i]`` is the value in ``request.windows[i]``; ``by[i]`` maps group display name
    to value in that window (empty when not grouped or the grouping does not apply).
    ``note`` says why a value is undefined when a filter or grouping cannot apply.
    """

    kpi: Kpi
    values: tuple[float | None, ...]
    by: tuple[dict[str, float | None], ...]
    note: str | None = None
