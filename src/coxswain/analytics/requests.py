"""Turn what a user asked for (dates, names) into engine inputs, or say clearly what is wrong.

- Period: ``--from``/``--to``; missing ends default to the 12 calendar months ending on the
  data's as-of date. The comparison period is the one of equal length just before.
- Filters: names are matched case-insensitively against the data; an unknown name is an
  error that lists the closest known names. A team includes every team below it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import ibis
from rapidfuzz import process

from coxswain.analytics.engine.catalog import Window
from coxswain.analytics.engine.dimensions import ATTRIBUTE_COLUMNS, Dimension, Fact, Filters
from coxswain.analytics.engine.periods import Period, trailing_months
from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.workspace import Workspace

DEFAULT_MONTHS = 12


@dataclass(frozen=True, slots=True)
class FilterInput:
    """Filters as typed by a user: display names (rep full name, team name, ...)."""

    reps: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    pipelines: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        rep: Sequence[str] | None = None,
        team: Sequence[str] | None = None,
        region: Sequence[str] | None = None,
        territory: Sequence[str] | None = None,
        product: Sequence[str] | None = None,
        segment: Sequence[str] | None = None,
        source: Sequence[str] | None = None,
        deal_type: Sequence[str] | None = None,
    ) -> FilterInput:
        """From repeatable options or query parameters, each absent or a list of names."""
        return cls(
            reps=tuple(rep or ()),
            teams=tuple(team or ()),
            regions=tuple(region or ()),
            territories=tuple(territory or ()),
            products=tuple(product or ()),
            segments=tuple(segment or ()),
            sources=tuple(source or ()),
            types=tuple(deal_type or ()),
        )

    def given(self) -> dict[Dimension, tuple[str, ...]]:
        pairs = {
            Dimension.REP: self.reps,
            Dimension.TEAM: self.teams,
            Dimension.REGION: self.regions,
            Dimension.TERRITORY: self.territories,
            Dimension.PRODUCT: self.products,
            Dimension.SEGMENT: self.segments,
            Dimension.SOURCE: self.sources,
            Dimension.TYPE: self.types,
            Dimension.PIPELINE: self.pipelines,
        }
        return {d: v for d, v in pairs.items() if v}


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report's period, grouping and filters."""

    start: date | None = None
    end: date | None = None
    by: Dimension | None = None
    filters: FilterInput = field(default_factory=FilterInput)
    compare: bool = True


@dataclass(frozen=True, slots=True)
class Resolved:
    """The request in engine terms."""

    period: Period
    windows: tuple[Window, ...]
    filters: Filters
    as_of: date

    @property
    def current(self) -> Window:
        return self.windows[0]

    @property
    def previous(self) -> Window | None:
        return self.windows[1] if len(self.windows) > 1 else None


def resolve_period(ws: Workspace, start: date | None, end: date | None) -> Period:
    """The period asked for, defaulting to 12 months ending on the data's as-of date."""
    anchor = ws.data_as_of
    if end is None:
        if anchor is None and start is None:
            raise AnalyticsRequestError(
                "the data holds no dated deals, leads or activities; give --from and --to"
            )
        end = anchor if anchor is not None and (start is None or anchor >= start) else None
    if start is None:
        assert end is not None  # given, or the data's as-of date (checked above)
        return trailing_months(end, DEFAULT_MONTHS)
    return Period(start, end or start)


def window_for(period: Period, data_as_of: date | None) -> Window:
    """A window whose "as of" is the period's end, or the data's as-of date if earlier."""
    as_of = period.end if data_as_of is None else min(period.end, data_as_of)
    return Window(period, max(as_of, period.start))


def known_values(ws: Workspace, dimension: Dimension) -> list[str]:
    """Every value ``dimension`` takes in the data (deals, leads and activities)."""
    if dimension is Dimension.TEAM:
        return sorted({name for name, _ in ws.org.teams.values() if name})
    if dimension is Dimension.PRODUCT:
        table = ws.model.deal_products
        return _distinct(ws, table, "product")
    values: set[str] = set()
    for fact, table in ((Fact.DEALS, ws.model.deals), (Fact.LEADS, ws.model.leads)):
        column = ATTRIBUTE_COLUMNS[fact].get(dimension)
        if column is not None:
            values.update(_distinct(ws, table, column))
    if dimension is Dimension.TERRITORY:
        values.update(_distinct(ws, ws.model.deals, "country"))
    if dimension is Dimension.REP:
        values.update(name for name, _ in ws.org.users.values() if name)
    return sorted(values)


def _distinct(ws: Workspace, table: ibis.Table, column: str) -> list[str]:
    rows = ws.run(table.select(value=table[column]).distinct(), f"values {column}")
    return [str(r["value"]) for r in rows if r["value"] is not None]


def _match(dimension: Dimension, wanted: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    by_lower = {k.casefold(): k for k in known}
    out = []
    for name in wanted:
        found = by_lower.get(name.strip().casefold())
        if found is None:
            close = [m[0] for m in process.extract(name, known, limit=3, score_cutoff=50)]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise AnalyticsRequestError(
                f"--{dimension.value} {name!r}: no such {dimension.value} in the data{hint}"
            )
        out.append(found)
    return tuple(out)


def team_subtree(
    teams: Mapping[str, tuple[str, str | None]], names: Sequence[str]
) -> tuple[str, ...]:
    """The named teams and every team below them (by name)."""
    children: dict[str | None, list[str]] = {}
    for team_id, (_, parent) in teams.items():
        children.setdefault(parent, []).append(team_id)
    pending = [tid for tid, (name, _) in teams.items() if name in names]
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(children.get(current, []))
    return tuple(sorted({teams[t][0] for t in seen}))


def resolve_filters(ws: Workspace, given: FilterInput) -> Filters:
    """Validated filters; a team brings its whole subtree."""
    matched = {d: _match(d, v, known_values(ws, d)) for d, v in given.given().items()}
    teams = matched.get(Dimension.TEAM, ())
    return Filters(
        reps=matched.get(Dimension.REP, ()),
        teams=team_subtree(ws.org.teams, teams) if teams else (),
        regions=matched.get(Dimension.REGION, ()),
        territories=matched.get(Dimension.TERRITORY, ()),
        products=matched.get(Dimension.PRODUCT, ()),
        segments=matched.get(Dimension.SEGMENT, ()),
        sources=matched.get(Dimension.SOURCE, ()),
        types=matched.get(Dimension.TYPE, ()),
        pipelines=matched.get(Dimension.PIPELINE, ()),
    )


def resolve(ws: Workspace, request: ReportRequest) -> Resolved:
    period = resolve_period(ws, request.start, request.end)
    current = window_for(period, ws.data_as_of)
    windows: tuple[Window, ...] = (current,)
    if request.compare:
        windows = (current, window_for(period.previous(), ws.data_as_of))
    as_of = current.as_of
    return Resolved(period, windows, resolve_filters(ws, request.filters), as_of)
