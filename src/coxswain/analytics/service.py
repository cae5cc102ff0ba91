"""Analytics use cases: KPIs, the funnel, bottlenecks, trends and the whole dashboard.

Every function takes a prepared :class:`~coxswain.analytics.workspace.Workspace` (any
engine) and a :class:`~coxswain.analytics.requests.ReportRequest`; nothing here knows
which engine runs the queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import ibis
from babel.numbers import format_compact_currency

from coxswain.analytics.engine.bottlenecks import (
    BottleneckInput,
    Peers,
    SpeedOutcome,
    find_bottlenecks,
)
from coxswain.analytics.engine.catalog import CATALOG, Unit
from coxswain.analytics.engine.compute import KpiRequest, KpiValue, compute_kpis
from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.expressions import count_where, day_of_month, sum_where, within
from coxswain.analytics.engine.funnel import (
    Cohort,
    Funnel,
    funnel_from_row,
    funnel_query,
    funnels_by_window,
    main_pipeline,
    open_stages,
    speed_queries,
)
from coxswain.analytics.engine.funnel_split import split_funnel_queries
from coxswain.analytics.engine.model import WON
from coxswain.analytics.engine.periods import Period, month_index
from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.providers import providers
from coxswain.analytics.requests import ReportRequest, Resolved, resolve
from coxswain.analytics.schemas import (
    BottleneckReport,
    Dashboard,
    FunnelReport,
    KpiReport,
    Meta,
    Series,
)
from coxswain.analytics.workspace import Workspace

TREND_KPIS = (
    "won_value",
    "won_deals",
    "win_rate",
    "avg_deal_size",
    "created_value",
    "new_leads",
    "lead_conversion_rate",
    "sales_cycle_days_median",
)


def _quality_notes(ws: Workspace) -> tuple[str, ...]:
    if "quality" not in ws.cache:
        ws.cache["quality"] = _compute_quality_notes(ws)
    notes: tuple[str, ...] = ws.cache["quality"]
    return notes


def _compute_quality_notes(ws: Workspace) -> tuple[str, ...]:
    deals = ws.model.deals
    query = deals.aggregate(
        unconverted=count_where(deals.amount.isnull()),
        extrapolated=count_where(deals.rate_extrapolated),
        undated=count_where(deals.created_day.isnull()),
        negative=count_where(deals.closed_day < deals.created_day),
        unstaged=count_where(deals.status.isnull()),
    )
    (row,) = ws.run(query, "data quality")
    notes = []
    if row["unconverted"]:
        notes.append(
            f"{row['unconverted']} deals have no exchange rate to "
            f"{ws.reporting_currency} and are left out of money KPIs"
        )
    if row["extrapolated"]:
        notes.append(
            f"{row['extrapolated']} deals predate their currency's first rate and "
            f"were converted at that first rate"
        )
    if row["undated"]:
        notes.append(
            f"{row['undated']} deals have no creation date: they count in open "
            f"pipeline but not in created or cycle KPIs"
        )
    if row["negative"]:
        notes.append(
            f"{row['negative']} deals close before they were created and are left out of cycle KPIs"
        )
    if row["unstaged"]:
        notes.append(f"{row['unstaged']} deals are in a stage unknown to their pipeline")
    return tuple(notes)


def _meta(ws: Workspace, resolved: Resolved, by: Dimension | None, notes: bool = True) -> Meta:
    previous = resolved.previous
    return Meta(
        period=resolved.period,
        previous=None if previous is None else previous.period,
        as_of=resolved.as_of,
        currency=ws.reporting_currency,
        engine=ws.source.engine,
        source=ws.source.location,
        by=by,
        filters={d.value: v for d, v in resolved.filters.active().items()},
        notes=_quality_notes(ws) if notes else (),
    )


def _kpis(
    ws: Workspace,
    resolved: Resolved,
    by: Dimension | None,
    slugs: Sequence[str] | None,
    *,
    overall: bool = True,
) -> list[KpiValue]:
    request = KpiRequest(
        resolved.windows, resolved.filters, by, tuple(slugs) if slugs else None, overall
    )
    return compute_kpis(
        ws.model,
        ws.dialect,
        request,
        ws.runner("kpis"),
        providers(ws, resolved.filters),
        ws.batch_runner("kpis"),
    )


def kpi_report(
    ws: Workspace, request: ReportRequest, slugs: Sequence[str] | None = None
) -> KpiReport:
    """Every KPI (or ``slugs``) for the period and the previous one, optionally grouped."""
    resolved = resolve(ws, request)
    return KpiReport(_meta(ws, resolved, request.by), _kpis(ws, resolved, request.by, slugs))


def _pipeline(ws: Workspace, wanted: str | None) -> str:
    names = sorted({s.pipeline for s in ws.model.stages})
    if wanted is not None:
        match = next((n for n in names if n.casefold() == wanted.casefold()), None)
        if match is None:
            raise AnalyticsRequestError(
                f"--pipeline {wanted!r}: no such pipeline; expected one of: {', '.join(names)}"
            )
        return match
    if "pipelines" not in ws.cache:
        deals = ws.model.deals
        rows = ws.run(deals.group_by("pipeline").aggregate(n=deals.count()), "pipelines")
        ws.cache["pipelines"] = {
            str(r["pipeline"]): int(r["n"]) for r in rows if r["pipeline"] is not None
        }
    counts: dict[str, int] = ws.cache["pipelines"]
    chosen = main_pipeline(ws.model.stages, counts)
    if chosen is None:
        raise AnalyticsRequestError("no pipeline with open stages: nothing to draw a funnel of")
    return chosen


FunnelSpec = tuple[Cohort, Dimension | None, str | None, bool]  # cohort, by, column, detail


def _funnels(
    ws: Workspace,
    resolved: Resolved,
    pipeline: str,
    cohort: Cohort,
    by: Dimension | None,
    column: str | None = None,
    detail: bool = True,
) -> dict[int, list[Funnel]]:
    (funnels,) = _funnel_set(ws, resolved, pipeline, [(cohort, by, column, detail)])
    return funnels


def _funnel_set(
    ws: Workspace, resolved: Resolved, pipeline: str, specs: Sequence[FunnelSpec]
) -> list[dict[int, list[Funnel]]]:
    """The funnels of each spec: their queries built one by one while the previous run."""
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    stages, windows = ws.model.stages, resolved.windows
    label = f"funnel {', '.join(s[2] or (s[1].value if s[1] else 'all') for s in specs)}"
    cohorts, details = {s[0] for s in specs}, {s[3] for s in specs}
    if ws.dialect.name == "duckdb" and len(specs) > 1 and len(cohorts) == len(details) == 1:
        # One scan for every grouping's counts (see split_funnel_queries); elsewhere (row
        # stores, Spark) one query per grouping as before.
        split = split_funnel_queries(
            deals,
            stages,
            pipeline,
            windows,
            specs[0][0],
            ws.dialect,
            [(by, column) for _, by, column, _ in specs],
            specs[0][3],
        )
        results = split.rows(ws.run_all(split.queries, label))
    else:
        queries = (
            funnel_query(deals, stages, pipeline, windows, cohort, ws.dialect, by, column, detail)
            for cohort, by, column, detail in specs
        )
        results = ws.run_all(queries, label)
    return [
        funnels_by_window(
            rows, stages, pipeline, c, by, grouped=col is not None, windows=len(windows)
        )
        for (c, by, col, _), rows in zip(specs, results, strict=True)
    ]


def funnel_report(
    ws: Workspace,
    request: ReportRequest,
    *,
    cohort: Cohort = Cohort.CREATED,
    pipeline: str | None = None,
) -> FunnelReport:
    """The funnel of ``pipeline`` (default: the one with most deals) for a cohort."""
    ws.model.include_history()
    resolved = resolve(ws, request)
    chosen = _pipeline(ws, pipeline)
    funnels = _funnels(ws, resolved, chosen, cohort, None)
    previous = funnels.get(1, [None])[0] if resolved.previous else None
    current = _first_or_empty(ws, funnels, chosen, cohort)
    return FunnelReport(_meta(ws, resolved, None), cohort.value, current, previous)


def _first_or_empty(
    ws: Workspace, funnels: dict[int, list[Funnel]], pipeline: str, cohort: Cohort
) -> Funnel:
    """The current window's funnel, or an empty one (every count 0) when no deal is in the
    cohort (a period after the data, a rep without deals)."""
    found = funnels.get(0)
    return found[0] if found else funnel_from_row({}, ws.model.stages, pipeline, cohort)


def _speed(ws: Workspace, resolved: Resolved, pipeline: str, cohort: Cohort) -> list[SpeedOutcome]:
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    thresholds, outcomes = speed_queries(
        deals, ws.model.stages, pipeline, resolved.current, cohort, ws.dialect
    )
    (limits,) = ws.run(thresholds, "speed thresholds")
    (counts,) = ws.run(outcomes(limits), "speed outcomes")
    out = []
    for info in open_stages(ws.model.stages, pipeline):
        k = info.position
        if limits.get(f"p25_{k}") is None:
            continue
        out.append(
            SpeedOutcome(
                info.stage,
                k,
                float(limits[f"p25_{k}"]),
                int(counts[f"fast_won_{k}"]),
                int(counts[f"fast_closed_{k}"]),
                int(counts[f"rest_won_{k}"]),
                int(counts[f"rest_closed_{k}"]),
            )
        )
    return out


def money_formatter(currency: str):  # type: ignore[no-untyped-def]
    def money(value: float) -> str:
        return str(format_compact_currency(value, currency, locale="en_US", fraction_digits=1))

    return money


def bottleneck_report(
    ws: Workspace,
    request: ReportRequest,
    *,
    cohort: Cohort = Cohort.ACTIVE,
    pipeline: str | None = None,
    limit: int | None = 25,
    avg_deal: float | None = None,
) -> BottleneckReport:
    """Ranked findings for the period, against peers and the previous period.

    ``avg_deal`` (the period's average won deal) prices lost deals; computed when absent.
    """
    ws.model.include_history()
    resolved = resolve(ws, ReportRequest(request.start, request.end, None, request.filters, True))
    chosen = _pipeline(ws, pipeline)
    company, reps, teams, segments = _funnel_set(
        ws,
        resolved,
        chosen,
        [
            (cohort, None, None, False),
            (cohort, Dimension.REP, None, False),
            (cohort, Dimension.TEAM, None, False),
            (cohort, None, "team_segment", False),
        ],
    )
    if avg_deal is None:
        (avg,) = _kpis(ws, resolved, None, ["avg_deal_size"])
        avg_deal = avg.values[0]
    data = BottleneckInput(
        company=_first_or_empty(ws, company, chosen, cohort),
        company_previous=company.get(1, [None])[0],
        reps=reps.get(0, []),
        reps_previous={f.group or "": f for f in reps.get(1, [])},
        teams=teams.get(0, []),
        teams_previous={f.group or "": f for f in teams.get(1, [])},
        speed=_speed(ws, resolved, chosen, cohort),
        avg_deal=avg_deal,
        money=money_formatter(ws.reporting_currency),
        peers=_peers(ws, reps.get(0, []), teams.get(0, []), segments.get(0, [])),
    )
    return BottleneckReport(_meta(ws, resolved, None), find_bottlenecks(data, limit))


MIN_PEER_REPS = 3


def _peers(
    ws: Workspace, reps: Sequence[Funnel], teams: Sequence[Funnel], segments: Sequence[Funnel]
) -> dict[tuple[str, str], Peers]:
    """Peer groups: a rep's team when it has ≥ 3 reps with deals, else the teams of its
    team's segment; a team's, the teams of its segment (when there are others)."""
    team_funnels = {f.group or "": f for f in teams}
    by_segment = {f.group or "": f for f in segments}
    rep_team = {r.group or "": ws.org.team_of(r.group or "") or "" for r in reps}
    reps_per_team = Counter(rep_team.values())
    teams_per_segment = Counter(ws.org.team_segments.get(team, "") for team in team_funnels)

    def segment_peers(team: str) -> Peers | None:
        segment = ws.org.team_segments.get(team)
        if not segment or segment not in by_segment or teams_per_segment[segment] < 2:
            return None
        return Peers(f"the {segment.replace('_', '-')} teams", by_segment[segment])

    peers: dict[tuple[str, str], Peers] = {}
    for rep, team in rep_team.items():
        if team in team_funnels and reps_per_team[team] >= MIN_PEER_REPS:
            peers[("rep", rep)] = Peers(team, team_funnels[team])
        elif (group := segment_peers(team)) is not None:
            peers[("rep", rep)] = group
    for team in team_funnels:
        if (group := segment_peers(team)) is not None:
            peers[("team", team)] = group
    return peers


def day_of_month_series(ws: Workspace, resolved: Resolved) -> Series:
    """Average won value per calendar day of the month (1–31) over the period's months."""
    deals = resolved.filters.apply(ws.model.deals, Fact.DEALS, ws.model.deal_products)
    period = resolved.period
    won = deals.filter(
        (deals.status == WON) & within(deals.closed_day, period.start_day, period.end_day)
    )
    query = won.group_by(dom=day_of_month(won.closed_day)).aggregate(
        value=sum_where(won.amount, ibis.literal(True))
    )
    totals = {int(r["dom"]): float(r["value"]) for r in ws.run(query, "day of month")}
    months = _months_having_day(period)
    points = [
        (str(day), totals.get(day, 0.0) / months[day] if months.get(day) else None)
        for day in range(1, 32)
    ]
    return Series(
        "won_value_by_day_of_month", "Average won revenue by day of month", Unit.MONEY, points
    )


def _months_having_day(period: Period) -> dict[int, int]:
    """How many of the period's months contain each day of the month (1–31)."""
    from coxswain.analytics.engine.periods import month_end, month_start

    counts: dict[int, int] = {}
    for index in range(month_index(period.start), month_index(period.end) + 1):
        first = max(month_start(index), period.start)
        last = min(month_end(index), period.end)
        for day in range(first.day, last.day + 1):
            counts[day] = counts.get(day, 0) + 1
    return counts


def _trends(ws: Workspace, request: ReportRequest) -> list[Series]:
    monthly = resolve(ws, ReportRequest(request.start, request.end, None, request.filters, False))
    trends = _series_of(ws, monthly, Dimension.MONTH, TREND_KPIS)
    weekly = _series_of(ws, monthly, Dimension.WEEK, ("new_leads",))
    trends += [Series("new_leads_by_week", "New leads per week", s.unit, s.points) for s in weekly]
    trends.append(day_of_month_series(ws, monthly))
    return trends


def _series_of(
    ws: Workspace, resolved: Resolved, by: Dimension, slugs: Sequence[str]
) -> list[Series]:
    values = _kpis(ws, resolved, by, slugs, overall=False)
    return [Series(v.kpi.slug, v.kpi.label, v.kpi.unit, sorted(v.by[0].items())) for v in values]


def trend_series(
    ws: Workspace, request: ReportRequest, slugs: Sequence[str], by: Dimension = Dimension.MONTH
) -> list[Series]:
    """Each KPI of ``slugs`` per month (or ``by``) of the request's period, in order."""
    resolved = resolve(ws, ReportRequest(request.start, request.end, None, request.filters, False))
    return _series_of(ws, resolved, by, slugs)


def dashboard(ws: Workspace, request: ReportRequest, *, pipeline: str | None = None) -> Dashboard:
    """Everything the HTML dashboard shows: KPIs with change, trends, by rep, funnel,
    bottlenecks, and the sections other domains registered."""
    from coxswain.analytics.report.sections import build_sections

    has_stages = any(True for _ in ws.model.stages)
    if has_stages:
        ws.model.include_history()  # one deals table for KPIs, funnel and bottlenecks
    base = ReportRequest(request.start, request.end, None, request.filters, True)
    resolved = resolve(ws, base)
    meta = _meta(ws, resolved, None)
    values = _kpis(ws, resolved, Dimension.REP, None)
    kpis = KpiReport(meta, values)
    by_rep = KpiReport(_meta(ws, resolved, Dimension.REP), values)
    trends = _trends(ws, base)
    funnel = funnel_report(ws, base, pipeline=pipeline) if has_stages else None
    avg_deal = kpis.value("avg_deal_size").values[0]
    bottlenecks = (
        bottleneck_report(ws, base, pipeline=pipeline, avg_deal=avg_deal) if has_stages else None
    )
    result = Dashboard(meta, kpis, by_rep, trends, funnel, bottlenecks)
    result.sections.extend(build_sections(ws, base, result))
    return result


def kpi_catalog() -> list[dict[str, str]]:
    """Slug, label, unit, section and formula of every KPI (``coxswain kpis --list``)."""
    return [
        {
            "slug": k.slug,
            "label": k.label,
            "unit": k.unit.value,
            "section": k.section,
            "formula": k.formula,
        }
        for k in CATALOG.ordered()
    ]
