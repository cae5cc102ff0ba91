"""The report cache (no database)."""

from __future__ import annotations

import threading
import time

from coxswain.core.cache import TtlCache


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
