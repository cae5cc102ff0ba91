"""Extension point: other domains add sections to ``coxswain report html``.

A section builder receives the workspace (any engine), the request and the dashboard built
so far, and returns a :class:`Section` or ``None`` (nothing to show)::

    from coxswain.analytics.report.sections import Chart, Section, register_section

    def forecast_section(ws, request, dashboard):
        ...
        return Section(
            key="forecast",
            title="Forecast",
            html="<p>P50 for Q4: $4.1M</p>",          # trusted HTML fragment (escape yourself)
            charts=[Chart("forecast-band", option)],  # ECharts option dicts, JSON-serialisable
            order=50,                                 # after KPIs (10), trends (20), funnel (30)
        )

    register_section("forecast", forecast_section)

Charts are drawn with the dashboard's inlined ECharts; ``option`` is passed to
``chart.setOption`` as is. Sections are also written as sheets when the dashboard is saved as
XLSX if they provide ``table`` (a header row then data rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

SectionBuilder = Callable[[Any, Any, Any], "Section | None"]
_BUILDERS: dict[str, SectionBuilder] = {}


@dataclass(frozen=True, slots=True)
class Chart:
    """One ECharts chart: a DOM id unique in the page and its option object."""

    element_id: str
    option: dict[str, Any]
    height_px: int = 320


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    html: str = ""
    charts: Sequence[Chart] = field(default_factory=tuple)
    table: Sequence[Sequence[Any]] = field(default_factory=tuple)
    order: int = 100


def register_section(key: str, builder: SectionBuilder) -> None:
    """Add (or replace) a dashboard section builder under ``key``."""
    _BUILDERS[key] = builder


def unregister_section(key: str) -> None:
    _BUILDERS.pop(key, None)


def registered_sections() -> dict[str, SectionBuilder]:
    return dict(_BUILDERS)


def build_sections(workspace: Any, request: Any, dashboard: Any) -> list[Section]:
    """Run every registered builder; a builder returning ``None`` adds nothing."""
    out = []
    for builder in _BUILDERS.values():
        section = builder(workspace, request, dashboard)
        if section is not None:
            out.append(section)
    return sorted(out, key=lambda s: (s.order, s.key))
