"""Any report as an XLSX workbook (openpyxl): one sheet per table, numbers kept as numbers
(money with the currency's format, ratios as percentages) so the sheet can be re-analysed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from coxswain.analytics.engine.catalog import Unit
from coxswain.analytics.report.formatting import filters_text
from coxswain.analytics.schemas import (
    BottleneckReport,
    Dashboard,
    FunnelReport,
    KpiReport,
    Meta,
    Series,
    change,
    rounded,
)

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
NUMBER_FORMATS = {
    Unit.MONEY: "#,##0.00",
    Unit.MONEY_PER_DAY: "#,##0.00",
    Unit.RATIO: "0.0%",
    Unit.DAYS: "0.0",
    Unit.HOURS: "0.0",
    Unit.MULTIPLE: "0.00",
    Unit.COUNT: "#,##0",
}


def _sheet(book: Workbook, title: str, header: Sequence[str]) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    sheet.freeze_panes = "A2"
    result: Worksheet = sheet
    return result


def _widths(sheet: Worksheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))


def _about(book: Workbook, meta: Meta, title: str) -> None:
    sheet = _sheet(book, "About", ["", ""])
    rows: list[list[Any]] = [
        ["Report", title],
        ["Period", meta.period.label()],
        ["Compared with", meta.previous.label() if meta.previous else "—"],
        ["As of", meta.as_of.isoformat()],
        ["Currency", meta.currency],
        ["Filters", filters_text(meta.filters)],
        ["Engine", meta.engine],
        ["Source", meta.source],
    ]
    rows += [["Note", note] for note in meta.notes]
    for row in rows:
        sheet.append(row)
    _widths(sheet)


def _kpi_sheet(book: Workbook, report: KpiReport) -> None:
    currency = report.meta.currency
    sheet = _sheet(
        book, "KPIs", ["section", "slug", "KPI", "value", "previous", "change", "unit", "formula"]
    )
    for item in report.values:
        unit = item.kpi.unit
        current = item.values[0]
        previous = item.values[1] if len(item.values) > 1 else None
        sheet.append(
            [
                item.kpi.section,
                item.kpi.slug,
                item.kpi.label,
                rounded(unit, current, currency),
                rounded(unit, previous, currency),
                change(current, previous),
                unit.value,
                item.kpi.formula,
            ]
        )
        row = sheet.max_row
        for column in ("D", "E"):
            sheet[f"{column}{row}"].number_format = NUMBER_FORMATS[unit]
        sheet[f"F{row}"].number_format = "+0.0%;-0.0%"
    _widths(sheet)


def _grouped_sheet(book: Workbook, report: KpiReport, title: str) -> None:
    items = [i for i in report.values if i.by and i.by[0]]
    if not items:
        return
    currency = report.meta.currency
    groups = sorted({g for i in items for g in i.by[0]})
    sheet = _sheet(
        book,
        title,
        [report.meta.by.value if report.meta.by else "group"] + [i.kpi.label for i in items],
    )
    for group in groups:
        sheet.append([group] + [rounded(i.kpi.unit, i.by[0].get(group), currency) for i in items])
    for index, item in enumerate(items, start=2):
        for cell in next(sheet.iter_cols(min_col=index, max_col=index, min_row=2)):
            cell.number_format = NUMBER_FORMATS[item.kpi.unit]
    _widths(sheet)


def _funnel_sheet(book: Workbook, report: FunnelReport) -> None:
    sheet = _sheet(
        book,
        "Funnel",
        [
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
            "timed deals",
        ],
    )
    for s in report.funnel.stages:
        sheet.append(
            [
                s.stage,
                s.reached,
                s.reached_value,
                s.open_here,
                s.lost_here,
                s.advanced,
                s.conversion,
                s.drop_off,
                s.days_mean,
                s.days_median,
                s.days_p90,
                s.timed,
            ]
        )
    f = report.funnel
    sheet.append(["Won", f.won, f.won_value, None, None, None, f.overall_conversion])
    for row in sheet.iter_rows(min_row=2):
        row[2].number_format = NUMBER_FORMATS[Unit.MONEY]
        row[6].number_format = row[7].number_format = NUMBER_FORMATS[Unit.RATIO]
    _widths(sheet)


def _findings_sheet(book: Workbook, report: BottleneckReport) -> None:
    sheet = _sheet(
        book,
        "Bottlenecks",
        ["rank", "kind", "scope", "subject", "stage", "score", "headline", "evidence"],
    )
    for rank, f in enumerate(report.findings, start=1):
        sheet.append(
            [rank, f.kind, f.scope, f.subject, f.stage, round(f.score, 3), f.headline, f.evidence]
        )
    _widths(sheet)


def _series_sheet(book: Workbook, series: Sequence[Series]) -> None:
    for item in series:
        sheet = _sheet(book, f"Trend {item.key}"[:31], ["period", item.label])
        for label, value in item.points:
            sheet.append([label, value])
        for cell in next(sheet.iter_cols(min_col=2, max_col=2, min_row=2), ()):
            cell.number_format = NUMBER_FORMATS[item.unit]
        _widths(sheet)


def _save(book: Workbook, out: Path) -> Path:
    if "Sheet" in book.sheetnames:
        del book["Sheet"]
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def write_kpis(report: KpiReport, out: Path) -> Path:
    book = Workbook()
    _about(book, report.meta, "KPIs")
    _kpi_sheet(book, report)
    _grouped_sheet(book, report, f"By {report.meta.by.value}" if report.meta.by else "By group")
    return _save(book, out)


def write_funnel(report: FunnelReport, out: Path) -> Path:
    book = Workbook()
    _about(book, report.meta, f"Funnel ({report.cohort} cohort)")
    _funnel_sheet(book, report)
    return _save(book, out)


def write_bottlenecks(report: BottleneckReport, out: Path) -> Path:
    book = Workbook()
    _about(book, report.meta, "Bottlenecks")
    _findings_sheet(book, report)
    return _save(book, out)


def write_dashboard(dashboard: Dashboard, out: Path) -> Path:
    """Every table of the dashboard, plus registered sections that provide a table."""
    book = Workbook()
    _about(book, dashboard.meta, "Sales dashboard")
    _kpi_sheet(book, dashboard.kpis)
    _grouped_sheet(book, dashboard.by_rep, "By rep")
    if dashboard.funnel is not None:
        _funnel_sheet(book, dashboard.funnel)
    if dashboard.bottlenecks is not None:
        _findings_sheet(book, dashboard.bottlenecks)
    _series_sheet(book, dashboard.trends)
    for section in dashboard.sections:
        if section.table:
            sheet = _sheet(book, section.title, list(section.table[0]))
            for row in section.table[1:]:
                sheet.append(list(row))
            _widths(sheet)
    return _save(book, out)
