"""The request-path caches without a database: ``ShortLivedCache`` (credentials, visibility)
and ``VersionedCache`` (reports kept until the data version changes)."""

from __future__ import annotations

import threading

from coxswain.api.report_cache import VersionedCache
from coxswain.auth.credential_cache import ShortLivedCache


def test_short_lived_entries_expire() -> None:
    cache: ShortLivedCache[int] = ShortLivedCache(ttl_seconds=0.0)
    cache.put("k", 1)
    assert cache.get("k") is None  # a zero TTL keeps nothing
    lasting: ShortLivedCache[int] = ShortLivedCache(ttl_seconds=60.0)
    lasting.put("k", 1)
    assert lasting.get("k") == 1


def test_a_value_loaded_before_a_clear_is_not_stored_after_it() -> None:
    cache: ShortLivedCache[str] = ShortLivedCache(ttl_seconds=60.0)
    generation = cache.generation  # a request starts loading ...
    cache.clear()  # ... a change commits and empties the cache ...
    cache.put("token", "what the database said before the change", generation)
    assert cache.get("token") is None  # ... so the old answer does not come back
    cache.put("token", "fresh", cache.generation)
    assert cache.get("token") == "fresh"


def test_same_version_is_computed_once_and_a_new_version_is_refreshed_in_background() -> None:
    cache = VersionedCache()
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert cache.get("scope", 1, lambda: compute(10)) == 10
    assert cache.get("scope", 1, lambda: compute(99)) == 10  # same version: no computation
    assert calls == [10]
    assert cache.get("scope", 2, lambda: compute(20)) == 10  # stale while it refreshes
    cache.wait_for_refreshes()
    assert cache.get("scope", 2, lambda: compute(99)) == 20
    assert calls == [10, 20]
    assert cache.get("other scope", 2, lambda: compute(30)) == 30  # keys never share values


def test_concurrent_first_callers_wait_for_one_computation() -> None:
    cache = VersionedCache()
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(10)
        return 7

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", 1, slow)))
    first.start()
    started.wait(10)
    others = [
        threading.Thread(target=lambda: results.append(cache.get("k", 1, slow))) for _ in range(5)
    ]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert results == [7] * 6
    assert calls == [1]


def test_a_refresh_waits_as_long_as_the_last_computation_took() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    cache = VersionedCache(clock=lambda: now[0], sleep=sleep)

    def takes(seconds: float, value: int) -> int:
        now[0] += seconds
        return value

    assert cache.get("dashboard", 1, lambda: takes(40.0, 1)) == 1  # computed 100 → 140 s
    now[0] = 150.0  # the data changes 10 s after the computation ended
    assert cache.get("dashboard", 2, lambda: takes(40.0, 2)) == 1
    cache.wait_for_refreshes()
    assert slept == [30.0]  # the refresh started at 180 s: 40 s after the end
    assert cache.get("dashboard", 2, lambda: takes(1.0, 3)) == 2
    now[0] = 1_000.0  # long after: a new change refreshes without waiting
    assert cache.get("dashboard", 3, lambda: takes(1.0, 4)) == 2
    cache.wait_for_refreshes()
    assert slept == [30.0]
    assert cache.get("dashboard", 3, lambda: takes(1.0, 5)) == 4
