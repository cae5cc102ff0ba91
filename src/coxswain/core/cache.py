"""A small thread-safe TTL cache with stale-while-revalidate, for expensive read models
(the analytics dashboard, KPI and forecast reports served to the web app and the API)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class _Entry:
    value: Any
    expires: float
    has_value: bool = False
    refreshing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class TtlCache:
    """A small thread-safe cache with stale-while-revalidate.

    A fresh value is returned at once. An expired one is also returned at once while a single
    background thread recomputes it (``compute_fresh``, which must open its own database
    session). Only the very first caller of a key waits, and concurrent first callers wait for
    one computation (no stampede when twenty managers open the dashboard together).
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 512) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def _entry(self, key: Hashable) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                entry = self._entries[key] = _Entry(value=None, expires=0.0)
            return entry

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], T], compute_fresh: Callable[[], T] | None = None
    ) -> T:
        entry = self._entry(key)
        if entry.has_value and entry.expires > time.monotonic():
            return entry.value  # type: ignore[no-any-return]
        if entry.has_value and compute_fresh is not None:
            with entry.lock:
                start = not entry.refreshing
                entry.refreshing = True
                stale = entry.value
            if start:
                threading.Thread(
                    target=self._refresh, args=(entry, compute_fresh), daemon=True
                ).start()
            return stale  # type: ignore[no-any-return]
        with entry.lock:
            if not entry.has_value or entry.expires <= time.monotonic():
                self._store(entry, compute())
            return entry.value  # type: ignore[no-any-return]

    def _store(self, entry: _Entry, value: Any) -> None:
        entry.value, entry.has_value = value, True
        entry.expires = time.monotonic() + self.ttl

    def _refresh(self, entry: _Entry, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
            with entry.lock:
                self._store(entry, value)
        finally:
            entry.refreshing = False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
