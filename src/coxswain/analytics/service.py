"""Analytics use cases: KPIs, the funnel, bottlenecks, trends and the whole dashboard.

Every function takes a prepared :class:`~coxswain.analytics.workspace.Workspace` (any
engine) and a :class:`~coxswain.analytics.requests.ReportRequest`; nothing here knows
which engine runs the queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import ibis

from coxswain.analytics.engine.bottlenecks import (
    BottleneckInput,
    Peers,
    SpeedOutcome,
    find_bottlenecks,
)
from coxswain.analytics.engine.catalog import CATALOG, Unit
from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.expressions import day_of_month, sum_where, within
from coxswain.analytics.engine.funnel import (
    Cohort,
    Funnel,
    open_stages,
    speed_queries,
)
from coxswain.analytics.engine.model import WON
from coxswain.analytics.engine.periods import Period, month_index
from coxswain.analytics.engine.steps import Steps, drive
from coxswain.analytics.requests import ReportRequest, Resolved, resolve
from coxswain.analytics.schemas import (
    BottleneckReport,
    Dashboard,
    FunnelReport,
    KpiReport,
    Series,
)
from coxswain.analytics.service_base import (
    FunnelSpec,
    _first_or_empty,
    _funnel_set_steps,
    _kpi_steps,
    _kpis,
    _meta,
    _pipeline,
    _quality_steps,
    money_formatter,
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


def kpi_report(
    ws: Workspace, request: ReportRequest, slugs: Sequence[str] | None = None
) -> KpiReport:
    """Every KPI (or ``slugs``) for the period and the previous one, optionally grouped."""
    resolved = resolve(ws, request)
    return KpiReport(_meta(ws, resolved, request.by), _kpis(ws, resolved, request.by, slugs))


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
    steps = _funnel_report_steps(ws, resolved, cohort, _pipeline(ws, pipeline))
    return drive(steps, ws.batch_runner("funnel all"))


def _funnel_report_steps(
    ws: Workspace, resolved: Resolved, cohort: Cohort, chosen: str
) -> Steps[FunnelReport]:
    (funnels,) = yield from _funnel_set_steps(ws, resolved, chosen, [(cohort, None, None, True)])
    previous = funnels.get(1, [None])[0] if resolved.previous else None
    current = _first_or_empty(ws, funnels, chosen, cohort)
    return FunnelReport(_meta(ws, resolved, None), cohort.value, current, previous)


def _speed_steps(
    ws: Workspace, resolved: Resolved, cohort: Cohort, chosen: str
) -> Steps[list[SpeedOutcome]]:
    """Time in stage against outcome (see ``speed_queries``): the thresholds, then the
    outcomes."""
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    thresholds, outcomes = speed_queries(
        deals, ws.model.stages, chosen, resolved.current, cohort, ws.dialect
    )
    ((limit,),) = yield [thresholds]
    ((counts,),) = yield [outcomes(limit)]
    out = []
    for info in open_stages(ws.model.stages, chosen):
        k = info.position
        if limit.get(f"p25_{k}") is None:
            continue
        out.append(
            SpeedOutcome(
                info.stage,
                k,
                float(limit[f"p25_{k}"]),
                int(counts[f"fast_won_{k}"]),
                int(counts[f"fast_closed_{k}"]),
                int(counts[f"rest_won_{k}"]),
                int(counts[f"rest_closed_{k}"]),
            )
        )
    return out


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
    steps = _bottleneck_steps(ws, resolved, cohort, chosen)
    finish = drive(steps, ws.batch_runner("funnel all, rep, team, team_segment"))
    if avg_deal is None:
        (avg,) = _kpis(ws, resolved, None, ["avg_deal_size"])
        avg_deal = avg.values[0]
    speed = drive(_speed_steps(ws, resolved, cohort, chosen), ws.batch_runner("speed"))
    return finish(avg_deal, limit, speed)


# The report from the average won deal, how many findings to keep and time in stage.
Finish = Callable[[float | None, int | None, list[SpeedOutcome]], BottleneckReport]


def _bottleneck_steps(
    ws: Workspace, resolved: Resolved, cohort: Cohort, chosen: str
) -> Steps[Finish]:
    """The bottleneck analysis' funnels (one batch); returns what makes the report."""
    specs: list[FunnelSpec] = [
        (cohort, None, None, False),
        (cohort, Dimension.REP, None, False),
        (cohort, Dimension.TEAM, None, False),
        (cohort, None, "team_segment", False),
    ]
    company, reps, teams, segments = yield from _funnel_set_steps(ws, resolved, chosen, specs)
    meta = _meta(ws, resolved, None)

    def finish(
        avg_deal: float | None, limit: int | None, speed: list[SpeedOutcome]
    ) -> BottleneckReport:
        data = BottleneckInput(
            company=_first_or_empty(ws, company, chosen, cohort),
            company_previous=company.get(1, [None])[0],
            reps=reps.get(0, []),
            reps_previous={f.group or "": f for f in reps.get(1, [])},
            teams=teams.get(0, []),
            teams_previous={f.group or "": f for f in teams.get(1, [])},
            speed=speed,
            avg_deal=avg_deal,
            money=money_formatter(ws.reporting_currency),
            peers=_peers(ws, reps.get(0, []), teams.get(0, []), segments.get(0, [])),
        )
        return BottleneckReport(meta, find_bottlenecks(data, limit))

    return finish


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
    return drive(_day_of_month_steps(ws, resolved), ws.batch_runner("day of month"))


def _day_of_month_steps(ws: Workspace, resolved: Resolved) -> Steps[Series]:
    deals = resolved.filters.apply(ws.model.deals, Fact.DEALS, ws.model.deal_products)
    period = resolved.period
    won = deals.filter(
        (deals.status == WON) & within(deals.closed_day, period.start_day, period.end_day)
    )
    query = won.group_by(dom=day_of_month(won.closed_day)).aggregate(
        value=sum_where(won.amount, ibis.literal(True))
    )
    (rows,) = yield [query]
    totals = {int(r["dom"]): float(r["value"]) for r in rows}
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


def _trend_steps(ws: Workspace, request: ReportRequest) -> list[tuple[str, Steps[Any]]]:
    """The dashboard's trends as three computations: monthly KPIs, weekly new leads and
    won value by day of month (see :func:`_trends_from`)."""
    monthly = resolve(ws, ReportRequest(request.start, request.end, None, request.filters, False))
    return [
        ("kpis", _series_steps(ws, monthly, Dimension.MONTH, TREND_KPIS)),
        ("kpis", _series_steps(ws, monthly, Dimension.WEEK, ("new_leads",))),
        ("day of month", _day_of_month_steps(ws, monthly)),
    ]


def _trends_from(monthly: list[Series], weekly: list[Series], by_day: Series) -> list[Series]:
    trends = list(monthly)
    trends += [Series("new_leads_by_week", "New leads per week", s.unit, s.points) for s in weekly]
    trends.append(by_day)
    return trends


def _series_of(
    ws: Workspace, resolved: Resolved, by: Dimension, slugs: Sequence[str]
) -> list[Series]:
    return drive(_series_steps(ws, resolved, by, slugs), ws.batch_runner("kpis"))


def _series_steps(
    ws: Workspace, resolved: Resolved, by: Dimension, slugs: Sequence[str]
) -> Steps[list[Series]]:
    values = yield from _kpi_steps(ws, resolved, by, slugs, overall=False)
    return [Series(v.kpi.slug, v.kpi.label, v.kpi.unit, sorted(v.by[0].items())) for v in values]


def trend_series(
    ws: Workspace, request: ReportRequest, slugs: Sequence[str], by: Dimension = Dimension.MONTH
) -> list[Series]:
    """Each KPI of ``slugs`` per month (or ``by``) of the request's period, in order."""
    resolved = resolve(ws, ReportRequest(request.start, request.end, None, request.filters, False))
    return _series_of(ws, resolved, by, slugs)


def dashboard(ws: Workspace, request: ReportRequest, *, pipeline: str | None = None) -> Dashboard:
    """Everything the HTML dashboard shows: KPIs with change, trends, by rep, funnel,
    bottlenecks, and the sections other domains registered.

    The sections' queries are interleaved (``Workspace.run_steps``): each section's are
    built while the previous sections' run.
    """
    from coxswain.analytics.report.sections import build_sections

    has_stages = any(True for _ in ws.model.stages)
    if has_stages:
        ws.model.include_history()  # one deals table for KPIs, funnel and bottlenecks
    base = ReportRequest(request.start, request.end, None, request.filters, True)
    resolved = resolve(ws, base)
    steps: list[tuple[str, Steps[Any]]] = [
        ("data quality", _quality_steps(ws)),
        ("kpis", _kpi_steps(ws, resolved, Dimension.REP, None)),
        *_trend_steps(ws, base),
    ]
    if has_stages:
        chosen = _pipeline(ws, pipeline)  # (a small query, run here before the others)
        steps += [
            # (funnel_report and bottleneck_report resolve ``base`` as ``resolved`` is)
            ("speed", _speed_steps(ws, resolved, Cohort.ACTIVE, chosen)),
            ("funnel all", _funnel_report_steps(ws, resolved, Cohort.CREATED, chosen)),
            ("bottlenecks", _bottleneck_steps(ws, resolved, Cohort.ACTIVE, chosen)),
        ]
    _, values, monthly, weekly, by_day, *funnels = ws.run_steps(steps)
    meta = _meta(ws, resolved, None)
    kpis = KpiReport(meta, values)
    by_rep = KpiReport(_meta(ws, resolved, Dimension.REP), values)
    trends = _trends_from(monthly, weekly, by_day)
    funnel, bottlenecks = None, None
    if has_stages:
        speed, funnel, finish = funnels
        bottlenecks = finish(kpis.value("avg_deal_size").values[0], 25, speed)
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
