"""Report periods and the dashboard cache (no database)."""

from __future__ import annotations

import threading
import time
from datetime import date

from coxswain.opportunities.reporting import PeriodKind, TtlCache, month_starts, period_containing


def test_periods_and_their_predecessors() -> None:
    q = period_containing(PeriodKind.QUARTER, date(2026, 11, 20))
    assert (q.start, q.end, q.label) == (date(2026, 10, 1), date(2026, 12, 31), "Q4 2026")
    assert q.previous().label == "Q3 2026"
    m = period_containing(PeriodKind.MONTH, date(2024, 3, 1))
    assert (m.start, m.end, m.previous().label) == (date(2024, 3, 1), date(2024, 3, 31), "Feb 2024")
    y = period_containing(PeriodKind.YEAR, date(2026, 1, 1))
    assert y.previous().start == date(2025, 1, 1)
    assert month_starts(date(2026, 2, 14), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_cache_computes_once_for_concurrent_first_callers() -> None:
    cache = TtlCache(ttl_seconds=60)
    calls: list[int] = []

    def slow() -> int:
        time.sleep(0.05)
        calls.append(1)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert len(calls) == 1


def test_cache_serves_stale_while_refreshing() -> None:
    cache = TtlCache(ttl_seconds=0)
    assert cache.get_or_compute("k", lambda: 1) == 1
    refreshed = threading.Event()

    def fresh() -> int:
        refreshed.set()
        return 2

    assert cache.get_or_compute("k", lambda: 99, fresh) == 1
    assert refreshed.wait(5)
    for _ in range(100):
        if cache.get_or_compute("k", lambda: 99, lambda: 2) == 2:
            break
        time.sleep(0.01)
    assert cache.get_or_compute("k", lambda: 99, lambda: 2) == 2
