"""Reports as terminal tables (Rich) and CSV, for the command line."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table

from coxswain.analytics.report import formatting
from coxswain.analytics.schemas import BottleneckReport, FunnelReport, KpiReport, Meta
from coxswain.analytics.targets import TargetView


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    out = Table(title=title, title_justify="left")
    for index, column in enumerate(header):
        out.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        out.add_row(*row)
    return out


def caption(meta: Meta) -> str:
    return f"{meta.period.label()} · {meta.currency} · {formatting.filters_text(meta.filters)}"


def print_kpis(console: Console, notes: Console, report: KpiReport) -> None:
    header = ["section", "KPI", "value", "previous", "change"]
    console.print(table(f"KPIs · {caption(report.meta)}", header, formatting.kpi_rows(report)))
    if report.meta.by is not None:
        items = [i for i in report.values if i.by and i.by[0]]
        groups = sorted({g for i in items for g in i.by[0]})
        currency = report.meta.currency
        header = [report.meta.by.value, *[i.kpi.label for i in items]]
        text = [
            [g, *[formatting.fmt(i.kpi.unit, i.by[0].get(g), currency) for i in items]]
            for g in groups
        ]
        console.print(table(f"By {report.meta.by.value}", header, text))
    for note in report.meta.notes:
        notes.print(f"note: {note}", highlight=False)


def write_kpi_csv(report: KpiReport, handle: TextIO) -> None:
    """One row per KPI (group empty) and one per KPI and group when grouped."""
    writer = csv.writer(handle)
    writer.writerow(["slug", "label", "unit", "group", "value", "previous", "change"])
    for slug, entry in report.contract().items():
        label, unit = entry["label"], entry["unit"]
        writer.writerow([slug, label, unit, "", entry["value"], entry["previous"], entry["change"]])
        for group, value in entry.get("by", {}).items():
            writer.writerow([slug, label, unit, group, value, "", ""])


def print_funnel(console: Console, report: FunnelReport) -> None:
    title = f"Funnel · {report.funnel.pipeline} · {report.cohort} cohort · {caption(report.meta)}"
    console.print(table(title, formatting.FUNNEL_HEADER, formatting.funnel_rows(report)))


def print_bottlenecks(console: Console, report: BottleneckReport) -> None:
    if not report.findings:
        console.print("No stage is out of line with peers or history.")
        return
    console.print(f"[bold]Bottlenecks[/] · {caption(report.meta)}", highlight=False)
    for rank, finding in enumerate(report.findings, start=1):
        console.print(f"\n[bold]{rank}. {finding.headline}[/]", highlight=False)
        console.print(f"   {finding.evidence}", highlight=False)
        console.print(
            f"   [dim]{finding.kind.replace('_', ' ')} · {finding.scope} · {finding.stage} · "
            f"strength {finding.score:.1f}[/]",
            highlight=False,
        )


def print_kpi_catalog(console: Console, catalog: Sequence[dict[str, str]]) -> None:
    rows = [[r["slug"], r["section"], r["formula"]] for r in catalog]
    console.print(table("KPIs", ["slug", "section", "formula"], rows))


def print_targets(console: Console, targets: Sequence[TargetView]) -> None:
    rows = [
        [
            str(t.id),
            t.period_start.isoformat(),
            t.period_end.isoformat(),
            t.scope,
            t.owner or "company",
            formatting.money(float(t.amount), t.currency),
        ]
        for t in targets
    ]
    console.print(table("Targets", ["id", "from", "to", "scope", "for", "amount"], rows))


def targets_json(targets: Sequence[TargetView]) -> list[dict[str, object]]:
    return [
        {
            "id": str(t.id),
            "from": t.period_start.isoformat(),
            "to": t.period_end.isoformat(),
            "scope": t.scope,
            "owner": t.owner,
            "amount": float(t.amount),
            "currency": t.currency,
        }
        for t in targets
    ]
