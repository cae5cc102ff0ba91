"""The set of record keys an import has met, kept small enough for a million-row file.

A Python ``set`` of a million ``hash()`` values costs about 70 MB (a 32 MB table plus a
36-byte int object per value); the import only ever asks "seen before?", adds, and takes back
keys of a block the database refused. :class:`KeySet` keeps most values in a sorted NumPy
``int64`` array (8 bytes each) and the latest ones in a small Python set, merged into the
array when it reaches :data:`MERGE_AT` values. Values taken back from the array are held in a
second small set until the next merge drops them from it.

Single values (the row path) are answered by the Python set or a binary search of the array;
a whole block (:meth:`KeySet.seen_many`) by one vectorised search.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MERGE_AT = 1 << 14


class KeySet:
    """A set of 64-bit ``hash()`` values (``in``, ``add``, ``discard``, ``difference_update``)."""

    def __init__(self) -> None:
        self._sorted = np.zeros(0, dtype=np.int64)
        self._recent: set[int] = set()
        self._removed: set[int] = set()

    def __len__(self) -> int:
        return int(self._sorted.size) - len(self._removed) + len(self._recent)

    def __contains__(self, value: object) -> bool:
        if value in self._recent:
            return True
        if not isinstance(value, int) or value in self._removed:
            return False
        return self._in_sorted(value)

    def _in_sorted(self, value: int) -> bool:
        array = self._sorted
        at = int(np.searchsorted(array, value))
        return at < array.size and int(array[at]) == value

    def add(self, value: int) -> None:
        if value in self._removed:
            self._removed.discard(value)  # still in the array
            return
        if value in self._recent or self._in_sorted(value):
            return
        self._recent.add(value)
        if len(self._recent) >= MERGE_AT:
            self._merge()

    def discard(self, value: int) -> None:
        if value in self._recent:
            self._recent.discard(value)
        elif self._in_sorted(value):
            self._removed.add(value)

    def difference_update(self, values: Iterable[int]) -> None:
        for value in values:
            self.discard(value)

    def add_many(self, values: np.ndarray) -> None:
        """Add distinct values none of which is in the set (the caller checked)."""
        self._recent.update(values.tolist())
        if len(self._recent) >= MERGE_AT:
            self._merge()

    def seen_many(self, values: np.ndarray) -> np.ndarray:
        """For each of ``values`` (``int64``), whether it is in the set."""
        array = self._sorted
        at = np.searchsorted(array, values)
        found = np.zeros(values.size, dtype=bool)
        inside = at < array.size
        found[inside] = array[at[inside]] == values[inside]
        if self._removed:
            found &= ~np.isin(values, np.fromiter(self._removed, np.int64, len(self._removed)))
        if self._recent:
            found |= np.isin(values, np.fromiter(self._recent, np.int64, len(self._recent)))
        return found

    def _merge(self) -> None:
        array = self._sorted
        if self._removed:
            gone = np.fromiter(self._removed, np.int64, len(self._removed))
            array = array[~np.isin(array, gone)]
        # The recent values are not in the array (add() and add_many() check): a merge of
        # two sorted runs, not a sort of the whole (np.union1d sorts everything again).
        recent = np.sort(np.fromiter(self._recent, np.int64, len(self._recent)))
        self._sorted = np.insert(array, np.searchsorted(array, recent), recent)
        self._recent.clear()
        self._removed.clear()
