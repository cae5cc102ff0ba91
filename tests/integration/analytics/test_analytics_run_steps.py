"""Workspace.run_steps: several computations' queries interleaved on DuckDB (each one's next
batch built while the others' queries run). The answers must be those of each computation
run alone, in the order given; the dashboard built that way must equal its sections
computed one by one (the public reports), on DuckDB and on the application database."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.steps import Steps, drive
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import (
    TREND_KPIS,
    bottleneck_report,
    dashboard,
    funnel_report,
    kpi_report,
    trend_series,
)
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities

from analytics_handmade import CLOCK, REQUEST  # isort: skip


def _counting(ws: Workspace, name: str, events: list[str]) -> Steps[tuple[int, int, int]]:
    """Deals, then won deals and open deals (a batch of two), recording each step."""
    deals = ws.model.deals
    events.append(f"{name} sends 1")
    (rows,) = yield [deals.aggregate(n=deals.count())]
    events.append(f"{name} has 1")
    won, still = yield [
        deals.filter(deals.status == status).aggregate(n=ibis._.count())
        for status in ("won", "open")
    ]
    events.append(f"{name} has 2")
    return int(rows[0]["n"]), int(won[0]["n"]), int(still[0]["n"])


def _leads(ws: Workspace, events: list[str]) -> Steps[int]:
    leads = ws.model.leads
    events.append("L sends 1")
    (rows,) = yield [leads.aggregate(n=leads.count())]
    events.append("L has 1")
    return int(rows[0]["n"])


def test_answers_as_alone_and_interleaved(duck_workspace: Workspace) -> None:
    alone: list[str] = []
    expected = [
        drive(_counting(duck_workspace, "A", alone), duck_workspace.run_all),
        drive(_leads(duck_workspace, alone), duck_workspace.run_all),
    ]
    events: list[str] = []
    answers = duck_workspace.run_steps(
        [("a", _counting(duck_workspace, "A", events)), ("l", _leads(duck_workspace, events))]
    )
    assert answers == expected
    # The hand-made company (analytics_handmade.py): 9 deals, D6 and D7 open.
    assert answers[0][0] == 9
    assert answers[0][2] == 2
    # Every first batch is sent before any rows are awaited; then batches in sent order.
    assert events == ["A sends 1", "L sends 1", "A has 1", "L has 1", "A has 2"]


def test_a_failing_query_fails_the_call(duck_workspace: Workspace) -> None:
    def failing() -> Steps[None]:
        deals = duck_workspace.model.deals
        yield [deals.aggregate(x=(deals.amount.cast("string") + "x").cast("int64").sum())]

    with pytest.raises(duckdb.Error):
        duck_workspace.run_steps([("a", _counting(duck_workspace, "A", [])), ("bad", failing())])


def test_other_engines_one_after_another(db_workspace: Workspace) -> None:
    events: list[str] = []
    answers = db_workspace.run_steps(
        [("a", _counting(db_workspace, "A", events)), ("l", _leads(db_workspace, events))]
    )
    assert answers[0][0] == 9
    assert answers[0][2] == 2
    assert events == ["A sends 1", "A has 1", "A has 2", "L sends 1", "L has 1"]


def _plain(value: Any) -> Any:
    """A report as plain data (floats to 12 significant digits, functions left out)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return None if callable(value) else value


def _dashboard_equals_its_sections(ws: Workspace, request: ReportRequest) -> Any:
    board = dashboard(ws, request)
    kpis = kpi_report(ws, ReportRequest(request.start, request.end, Dimension.REP))
    assert _plain(board.by_rep) == _plain(kpis)
    assert _plain(board.funnel) == _plain(funnel_report(ws, request))
    trends = trend_series(ws, request, TREND_KPIS)
    assert _plain(board.trends[: len(trends)]) == _plain(trends)
    avg = kpis.value("avg_deal_size").values[0]
    assert board.bottlenecks is not None
    assert _plain(board.bottlenecks) == _plain(bottleneck_report(ws, request, avg_deal=avg))
    assert _plain(board.bottlenecks) == _plain(bottleneck_report(ws, request))
    return board


def test_dashboard_equals_its_sections_on_duckdb(duck_workspace: Workspace) -> None:
    _dashboard_equals_its_sections(duck_workspace, REQUEST)


def test_dashboard_equals_its_sections_on_the_app_database(db_workspace: Workspace) -> None:
    _dashboard_equals_its_sections(db_workspace, REQUEST)


def test_dashboard_equals_its_sections_on_a_generated_company(tmp_path: Path) -> None:
    folder = tmp_path / "parquet"
    config = GeneratorConfig(
        seed=11, opportunities=800, as_of=date(2026, 10, 31), history_months=24
    )
    write_entities(iter_entities(config), folder, FileFormat.PARQUET)
    with open_extract(folder) as source:
        ws = prepare(source, clock=CLOCK)
        request = ReportRequest(date(2025, 11, 1), date(2026, 10, 31))
        board = _dashboard_equals_its_sections(ws, request)
    assert board.bottlenecks.findings  # (the hand-made company is too small for any)
