"""Reports kept until the data changes, refreshed off the request path.

:class:`VersionedCache` keeps one value per key together with the data version it was computed
at (:class:`~coxswain.api.data_version.DataVersion`):

- same version: the value is returned at once (a dashboard request then costs only its
  rendering);
- newer version: the previous value is returned at once while one background thread computes
  the new one (stale-while-revalidate; the figures show when they were computed), starting
  no sooner than the last computation's duration after it ended;
- no value yet: the caller computes it; concurrent first callers of a key wait for that one
  computation instead of each starting their own.

:class:`VersionedAnalytics` is :class:`~coxswain.analytics.live.LiveAnalytics` with this cache
in place of its fixed 30-second one, so the dashboard, ``/kpis``, the funnel and bottleneck
reports recompute when the data changes instead of every 30 seconds per scope. Keys include the
caller's visible owners, so one user's figures are never served to a user who sees less.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from coxswain.analytics.live import LiveAnalytics, Owners
from coxswain.analytics.workspace import Workspace
from coxswain.api.data_version import DataVersion
from coxswain.core.clock import Clock

T = TypeVar("T")


@dataclass
class _Slot:
    version: Hashable = None
    value: Any = None
    has_value: bool = False
    refreshing: bool = False
    next_refresh_at: float = float("-inf")  # monotonic time a refresh may start
    compute_lock: threading.Lock = field(default_factory=threading.Lock)


class VersionedCache:
    """Values per key, each valid for the data version it was computed at (thread-safe).

    A refresh of a key starts no sooner than its last computation's duration after that
    computation ended: while the data keeps changing, a report that takes 40 s to compute
    (the admin dashboard on a million deals) takes at most half a core, not all of it.
    ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        max_entries: int = 512,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self.sleep = sleep
        self._slots: dict[Hashable, _Slot] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _slot(self, key: Hashable) -> _Slot:
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                if len(self._slots) >= self.max_entries:
                    self._slots.clear()
                slot = self._slots[key] = _Slot()
            return slot

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key`` at ``version`` (or the previous one while it is recomputed)."""
        slot = self._slot(key)
        if slot.has_value:
            value, stale = slot.value, slot.version != version
            if stale:
                self._refresh_in_background(slot, version, compute)
            return value  # type: ignore[no-any-return]
        with slot.compute_lock:
            if not slot.has_value:
                slot.value = self._timed(slot, compute)
                slot.version, slot.has_value = version, True
            return slot.value  # type: ignore[no-any-return]

    def _timed(self, slot: _Slot, compute: Callable[[], T]) -> T:
        started = self.clock()
        value = compute()
        ended = self.clock()
        slot.next_refresh_at = ended + (ended - started)
        return value

    def _refresh_in_background(
        self, slot: _Slot, version: Hashable, compute: Callable[[], Any]
    ) -> None:
        with self._lock:
            if slot.refreshing:
                return
            slot.refreshing = True
            thread = threading.Thread(
                target=self._refresh, args=(slot, version, compute), daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _refresh(self, slot: _Slot, version: Hashable, compute: Callable[[], Any]) -> None:
        try:
            delay = slot.next_refresh_at - self.clock()
            if delay > 0:
                self.sleep(delay)
            value = self._timed(slot, compute)
            with slot.compute_lock:
                slot.value, slot.version = value, version
        finally:
            with self._lock:
                slot.refreshing = False

    def wait_for_refreshes(self, timeout: float = 60.0) -> None:
        """Block until the background refreshes started so far are done (for tests, scripts)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()


class VersionedAnalytics(LiveAnalytics):
    """Analytics reports cached per (database, visible owners, report and arguments) until
    the data version changes; see the module docstring."""

    def __init__(self, url: str, *, version: DataVersion, clock: Clock | None = None) -> None:
        super().__init__(url, clock=clock)
        self.version = version
        self.results = VersionedCache()

    def _cached(self, key: tuple[object, ...], owners: Owners, run: Callable[[Workspace], T]) -> T:
        def compute() -> T:
            return self._compute(owners, run)

        # Today's date too: a default period ends today, so yesterday's figures are stale.
        today = self.clock.now().date()
        return self.results.get((self.url, owners, today, *key), self.version.current(), compute)
