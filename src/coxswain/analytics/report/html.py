"""The dashboard as one self-contained HTML file: ECharts (vendored, pinned) and the data are
inlined, so the file opens offline, can be mailed, and shows exactly the numbers of the run.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from coxswain.analytics.engine.catalog import Unit
from coxswain.analytics.report.formatting import filters_text, fmt, fmt_change, money
from coxswain.analytics.report.sections import Chart
from coxswain.analytics.schemas import Dashboard, Series, rounded

ECHARTS = ("web", "static", "vendor", "echarts")
CARD_KPIS = (
    "won_value",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days_median",
    "created_value",
    "open_pipeline_value",
    "sales_velocity",
    "pipeline_coverage",
    "close_rate",
    "new_leads",
    "lead_conversion_rate",
    "lead_response_hours_median",
    "revenue_growth_yoy",
    "churn_rate",
    "selling_time_share",
    "forecast_accuracy",
)
REP_COLUMNS = (
    "won_value",
    "won_deals",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days_median",
    "created_value",
    "open_pipeline_value",
    "selling_hours_per_rep_week",
)


def echarts_source() -> tuple[str, str]:
    """The vendored ``echarts.min.js`` and its VERSION line."""
    folder = resources.files("coxswain").joinpath(*ECHARTS)
    script = folder.joinpath("echarts.min.js").read_text(encoding="utf-8")
    version = folder.joinpath("VERSION").read_text(encoding="utf-8").splitlines()[0]
    return script, version


def _script_json(value: Any) -> Markup:
    """JSON safe to inline in a <script> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


def _cards(dashboard: Dashboard) -> list[dict[str, Any]]:
    currency = dashboard.meta.currency
    trends = {s.key: s for s in dashboard.trends}
    cards = []
    for slug in CARD_KPIS:
        item = next((v for v in dashboard.kpis.values if v.kpi.slug == slug), None)
        if item is None:
            continue
        current = item.values[0]
        previous = item.values[1] if len(item.values) > 1 else None
        direction = (
            0
            if current is None or previous is None
            else (current > previous) - (current < previous)
        )
        good = item.kpi.higher_is_better
        tone = (
            "neutral"
            if good is None or direction == 0
            else ("good" if (direction > 0) == good else "bad")
        )
        spark = trends.get(slug)
        cards.append(
            {
                "slug": slug,
                "label": item.kpi.label,
                "value": fmt(item.kpi.unit, current, currency, compact=True),
                "previous": fmt(item.kpi.unit, previous, currency, compact=True),
                "change": fmt_change(item.kpi.unit, current, previous),
                "tone": tone,
                "arrow": {1: "▲", -1: "▼", 0: ""}[direction],
                "formula": item.kpi.formula,
                "note": item.note,
                "spark": [v for _, v in spark.points] if spark else [],
            }
        )
    return cards


def _series(series: Series, currency: str) -> dict[str, Any]:
    return {
        "key": series.key,
        "label": series.label,
        "unit": series.unit.value,
        "x": [p[0] for p in series.points],
        "y": [rounded(series.unit, p[1], currency) for p in series.points],
    }


def _rep_table(dashboard: Dashboard) -> dict[str, Any]:
    currency = dashboard.meta.currency
    items = [v for v in dashboard.by_rep.values if v.kpi.slug in REP_COLUMNS and v.by[0]]
    reps = sorted({g for i in items for g in i.by[0]})
    return {
        "columns": [{"label": i.kpi.label, "unit": i.kpi.unit.value} for i in items],
        "rows": [
            {
                "rep": rep,
                "cells": [
                    {
                        "text": fmt(i.kpi.unit, i.by[0].get(rep), currency, compact=True),
                        "sort": i.by[0].get(rep),
                    }
                    for i in items
                ],
            }
            for rep in reps
        ],
    }


def _funnel(dashboard: Dashboard) -> dict[str, Any] | None:
    if dashboard.funnel is None:
        return None
    currency = dashboard.meta.currency
    f = dashboard.funnel.funnel
    return {
        "pipeline": f.pipeline,
        "cohort": dashboard.funnel.cohort,
        "stages": [
            {
                "stage": s.stage,
                "reached": s.reached,
                "value": money(s.reached_value, currency, compact=True),
                "open": s.open_here,
                "lost": s.lost_here,
                "conversion": fmt(Unit.RATIO, s.conversion, currency),
                "drop_off": fmt(Unit.RATIO, s.drop_off, currency),
                "median": rounded(Unit.DAYS, s.days_median, currency),
                "p90": rounded(Unit.DAYS, s.days_p90, currency),
                "median_text": fmt(Unit.DAYS, s.days_median, currency),
                "p90_text": fmt(Unit.DAYS, s.days_p90, currency),
            }
            for s in f.stages
        ],
        "won": f.won,
        "won_value": money(f.won_value, currency, compact=True),
        "overall": fmt(Unit.RATIO, f.overall_conversion, currency),
    }


def render_dashboard(dashboard: Dashboard, *, title: str = "Sales dashboard") -> str:
    """The whole dashboard as one HTML document (a string)."""
    env = Environment(
        loader=PackageLoader("coxswain.analytics.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    script, version = echarts_source()
    meta = dashboard.meta
    charts: list[Chart] = [c for s in dashboard.sections for c in s.charts]
    data = {
        "currency": meta.currency,
        "cards": _cards(dashboard),
        "trends": {s.key: _series(s, meta.currency) for s in dashboard.trends},
        "funnel": _funnel(dashboard),
        "extra_charts": [{"id": c.element_id, "option": c.option} for c in charts],
    }
    return env.get_template("dashboard.html.j2").render(
        title=title,
        meta=meta,
        filters=filters_text(meta.filters),
        cards=data["cards"],
        funnel=data["funnel"],
        findings=dashboard.bottlenecks.findings if dashboard.bottlenecks else [],
        rep_table=_rep_table(dashboard),
        sections=dashboard.sections,
        echarts=Markup(script.replace("</script", "<\\/script")),
        echarts_version=version,
        data=_script_json(data),
    )


def write_dashboard(dashboard: Dashboard, out: Path, *, title: str = "Sales dashboard") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_dashboard(dashboard, title=title), encoding="utf-8")
    return out
