"""KPIs by rep on SQLite without a query for the whole: its quantiles, means and distinct
counts come from the rows grouped by rep (``engine/gathered.py``). The answers must be
those of the whole's own queries (``gathers`` off), and on PostgreSQL nothing changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ibis.expr.types as ir
import pytest
from analytics_handmade import REQUEST

from coxswain.analytics.engine.compute import KpiRequest, compute_kpis
from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.requests import ReportRequest, resolve
from coxswain.analytics.workspace import Workspace


def _kpis(ws: Workspace, gathers: bool, by: Dimension | None) -> tuple[Any, int]:
    resolved = resolve(ws, ReportRequest(REQUEST.start, REQUEST.end))
    request = KpiRequest(resolved.windows, resolved.filters, by)
    ran: list[ir.Table] = []

    def run(query: ir.Table) -> list[dict[str, Any]]:
        ran.append(query)
        return ws.run(query)

    dialect = replace(ws.dialect, gathers=gathers)
    values = compute_kpis(ws.model, dialect, request, run)
    return [(v.kpi.slug, v.values, v.by, v.note) for v in values], len(ran)


def _close(mine: Any, theirs: Any) -> bool:
    """Equal, numbers to 1e-12 relative (a whole's mean is summed in another order)."""
    return len(mine) == len(theirs) and all(
        a == b if a is None or b is None else a == pytest.approx(b, rel=1e-12)
        for a, b in zip(mine, theirs, strict=True)
    )


@pytest.mark.parametrize("by", [Dimension.REP, Dimension.TEAM])
def test_gathered_wholes_equal_their_own_queries(db_workspace: Workspace, by: Dimension) -> None:
    gathered, queries = _kpis(db_workspace, db_workspace.dialect.gathers, by)
    own, own_queries = _kpis(db_workspace, False, by)
    assert len(gathered) == len(own)
    for mine, theirs in zip(gathered, own, strict=True):
        assert mine[0] == theirs[0]
        assert _close(mine[1], theirs[1]), mine[0]
        for groups, their_groups in zip(mine[2], theirs[2], strict=True):
            assert groups.keys() == their_groups.keys(), mine[0]
            assert _close([groups[k] for k in groups], [their_groups[k] for k in groups])
    if db_workspace.source.engine == "sqlite":
        # The deal, lead and activity wholes (quantiles, means, distinct counts) need no
        # query of their own.
        assert queries < own_queries
    else:
        assert queries == own_queries  # (PostgreSQL: no gathering)


def test_kpis_with_quantiles_are_covered(db_workspace: Workspace) -> None:
    """The comparison above covers a median, a mean and a distinct count (the hand-made
    company has closed deals in the period)."""
    gathered, _ = _kpis(db_workspace, db_workspace.dialect.gathers, Dimension.REP)
    values = {slug: v[0] for slug, v, _, _ in gathered}
    for slug in ("sales_cycle_days_median", "sales_cycle_days_mean"):
        assert values[slug] is not None
