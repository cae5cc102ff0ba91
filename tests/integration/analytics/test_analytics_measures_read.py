"""Only the measures a report's KPIs read: ``measures_read`` traces which ``scope.measure``
keys each formula reads, and a report of a few KPIs (the dashboard's trends) leaves the
others out of its queries. Every catalogue formula must read nothing outside its traced keys
on random views; a formula that does anyway must not change an answer (the report is
computed again with every measure); the answers are the hand-computed ones."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import ibis.expr.types as ir
import pytest

from coxswain.analytics.engine import compute
from coxswain.analytics.engine.catalog import (
    CATALOG,
    GuardedView,
    MeasureView,
    PrunedMeasureError,
    Window,
    measures_read,
)
from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.periods import trailing_months
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import kpi_report
from coxswain.analytics.workspace import Workspace

from analytics_handmade import REQUEST  # isort: skip

WINDOW = Window(trailing_months(date(2026, 5, 1)), date(2026, 5, 1))
VALUES = (None, 0.0, 1.0, -1.0, 2.0, 0.25, 4.0, 1e5, -3.0, 10.0)


def _every_key() -> list[str]:
    keys = [f"{s.name}.{m.name}" for s in CATALOG.scopes.values() for m in s.measures]
    keys += [f"{s.name}._rows" for s in CATALOG.scopes.values()]
    providers = {"targets": ("amount",), "forecast": ("accuracy", "mape", "bias")}
    for name, measures in providers.items():
        keys += [f"{name}.{m}" for m in measures]
    return keys


@pytest.mark.parametrize("kpi", CATALOG.ordered(), ids=lambda k: k.slug)
def test_formulas_read_only_their_traced_measures(kpi: Any) -> None:
    read = measures_read(kpi.compute, WINDOW)
    assert read is not None, f"{kpi.slug}: formula not traceable"
    assert read, f"{kpi.slug} reads nothing"
    rng = random.Random(kpi.slug)  # another seed than the tracer's
    keys = _every_key()
    for _ in range(500):
        values = {key: rng.choice(VALUES) for key in keys}
        full = kpi.compute(MeasureView(values, WINDOW))
        guarded = GuardedView(values, WINDOW, frozenset(keys) - read)
        assert kpi.compute(guarded) == full


def test_guarded_view_refuses_pruned_measures() -> None:
    view = GuardedView({"closed.won": 3.0, "closed.lost": 2.0}, WINDOW, frozenset({"closed.lost"}))
    assert view["closed.won"] == 3.0
    with pytest.raises(PrunedMeasureError):
        view["closed.lost"]


def test_pipeline_coverage_reads_pipeline_behind_its_branch() -> None:
    """The formula reads the pipeline only when the target exceeds what was won: the
    tracer must take that branch (views answering every key alike never do)."""
    read = measures_read(CATALOG.kpis["pipeline_coverage"].compute, WINDOW)
    assert read == {"targets.amount", "coverage.won", "coverage.pipeline"}


class _Recorder:
    def __init__(self, ws: Workspace) -> None:
        self.ws, self.sql = ws, list[str]()

    def __call__(self, exprs: Any) -> list[list[dict[str, Any]]]:
        out = []
        for expr in exprs:
            self.sql.append(str(ir.Table.compile(expr)))
            out.append(self.ws.run(expr))
        return out


def test_trend_queries_leave_out_unread_measures(
    duck_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _Recorder(duck_workspace)
    monkeypatch.setattr(Workspace, "batch_runner", lambda _self, _label: recorder)
    request = ReportRequest(REQUEST.start, REQUEST.end, Dimension.MONTH)
    report = kpi_report(duck_workspace, request, ["won_value", "won_deals"])
    # D1 Feb 1,000; D2 Mar 2,000 EUR × 1.20; D4 Apr 3,000; D5 lost in May (by hand).
    by = {v.kpi.slug: v.by[0] for v in report.values}
    assert by["won_value"] == {
        "2026-02": 1000.0,
        "2026-03": 2400.0,
        "2026-04": 3000.0,
        "2026-05": 0.0,
    }
    assert by["won_deals"] == {"2026-02": 1, "2026-03": 1, "2026-04": 1, "2026-05": 0}
    # closed deals overall and by month, each without the cycle times, renewals, customers
    assert len(recorder.sql) == 2
    for sql in recorder.sql:
        assert "won_value" in sql
        assert "cycle_won_p50" not in sql
        assert "renewal" not in sql
        assert "QUANTILE" not in sql.upper()
        assert "LIST_UNIQUE" not in sql.upper()


def test_a_formula_reading_a_left_out_measure_gets_every_measure(
    duck_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tracer that misses ``closed.lost``, win rate must still be 3 ÷ (3 + 2)."""
    monkeypatch.setattr(compute, "measures_read", lambda _fn, _window: frozenset({"closed.won"}))
    report = kpi_report(duck_workspace, REQUEST, ["win_rate"])
    (value,) = report.values
    assert value.values == (pytest.approx(0.6), pytest.approx(0.5))
