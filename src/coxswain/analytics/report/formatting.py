"""Values as people read them: money with its symbol, ratios as percentages, days and hours,
and the rows every renderer (terminal, XLSX, HTML) shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel import Locale
from babel.numbers import format_compact_currency, format_currency

from coxswain.analytics.engine.catalog import Unit
from coxswain.analytics.schemas import (
    BottleneckReport,
    FunnelReport,
    KpiReport,
    change,
    rounded,
)

LOCALE = Locale.parse("en_US")  # (parsed once: a third of each babel call's time)


def money(value: float, currency: str, *, compact: bool = False) -> str:
    if compact and abs(value) >= 10_000:
        return str(format_compact_currency(value, currency, locale=LOCALE, fraction_digits=1))
    return str(format_currency(value, currency, locale=LOCALE))


def fmt(unit: Unit, value: float | None, currency: str, *, compact: bool = False) -> str:
    """A KPI value for display (``—`` when undefined)."""
    if value is None:
        return "—"
    if unit is Unit.MONEY:
        return money(value, currency, compact=compact)
    if unit is Unit.MONEY_PER_DAY:
        return money(value, currency, compact=compact) + "/day"
    if unit is Unit.RATIO:
        return f"{value * 100:.1f}%"
    if unit is Unit.DAYS:
        return f"{value:,.1f} d"
    if unit is Unit.HOURS:
        return f"{value:,.1f} h"
    if unit is Unit.MULTIPLE:
        return f"{value:,.2f}×"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def fmt_change(unit: Unit, current: float | None, previous: float | None) -> str:
    """Change against the previous period: points for ratios, percent otherwise."""
    if current is None or previous is None:
        return "—"
    if unit is Unit.RATIO:
        return f"{(current - previous) * 100:+.1f} pts"
    relative = change(current, previous)
    return "—" if relative is None else f"{relative * 100:+.1f}%"


def kpi_rows(report: KpiReport) -> list[list[str]]:
    """Section, KPI, value, previous, change — one row per KPI."""
    currency = report.meta.currency
    rows = []
    for item in report.values:
        unit = item.kpi.unit
        current = item.values[0]
        previous = item.values[1] if len(item.values) > 1 else None
        rows.append(
            [
                item.kpi.section,
                item.kpi.label,
                fmt(unit, current, currency),
                fmt(unit, previous, currency),
                fmt_change(unit, current, previous),
            ]
        )
    return rows


def grouped_table(report: KpiReport) -> tuple[list[str], list[list[Any]]]:
    """Group × KPI values (raw, rounded): the header and one row per group."""
    currency = report.meta.currency
    items = [i for i in report.values if i.by and i.by[0]]
    groups = sorted({g for i in items for g in i.by[0]})
    header = [report.meta.by.value if report.meta.by else "group"] + [i.kpi.slug for i in items]
    rows = [
        [group] + [rounded(i.kpi.unit, i.by[0].get(group), currency) for i in items]
        for group in groups
    ]
    return header, rows


FUNNEL_HEADER = [
    "stage",
    "reached",
    "reached value",
    "open here",
    "lost here",
    "advanced",
    "conversion",
    "drop-off",
    "days mean",
    "days median",
    "days p90",
]


def funnel_rows(report: FunnelReport) -> list[list[str]]:
    currency = report.meta.currency
    rows = []
    for s in report.funnel.stages:
        rows.append(
            [
                s.stage,
                f"{s.reached:,}",
                money(s.reached_value, currency, compact=True),
                f"{s.open_here:,}",
                f"{s.lost_here:,}",
                f"{s.advanced:,}",
                fmt(Unit.RATIO, s.conversion, currency),
                fmt(Unit.RATIO, s.drop_off, currency),
                fmt(Unit.DAYS, s.days_mean, currency),
                fmt(Unit.DAYS, s.days_median, currency),
                fmt(Unit.DAYS, s.days_p90, currency),
            ]
        )
    f = report.funnel
    rows.append(
        [
            "Won",
            f"{f.won:,}",
            money(f.won_value, currency, compact=True),
            "",
            "",
            "",
            fmt(Unit.RATIO, f.overall_conversion, currency),
            "",
            "",
            "",
            "",
        ]
    )
    return rows


def finding_rows(report: BottleneckReport) -> list[list[str]]:
    return [
        [str(rank), f.subject, f.stage, f.headline, f.evidence]
        for rank, f in enumerate(report.findings, start=1)
    ]


def filters_text(filters: Mapping[str, Sequence[str]]) -> str:
    if not filters:
        return "no filters"
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in filters.items())
