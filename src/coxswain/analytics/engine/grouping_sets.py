"""Several groupings of one aggregate in one scan: SQL ``GROUP BY GROUPING SETS``.

Ibis has no grouping sets, so a :class:`GroupingSetsQuery` carries an ordinary Ibis
aggregate grouped by every key column at once together with the sets to group by instead;
the engine adapter (``sources/fetch.py``, DuckDB only) compiles the aggregate and swaps its
``GROUP BY`` for the sets, adding the column :data:`GROUPING_COLUMN` =
``GROUPING(key, ...)``. Each result row belongs to exactly one set, named by that column
(:meth:`GroupingSetsQuery.marker`); the keys outside the row's set are NULL.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

GROUPING_COLUMN = "_grouping"


@dataclass(frozen=True)
class GroupingSetsQuery:
    """``expr``, an aggregate grouped by each column of ``keys`` (in that order, and
    nothing else), to be run grouped by each set of ``sets`` (key names; ``()`` is the
    whole) instead."""

    expr: ir.Table
    keys: tuple[str, ...]
    sets: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("grouping sets need at least one key")
        if len(set(self.sets)) != len(self.sets):
            raise ValueError(f"a grouping set is repeated: {self.sets}")
        unknown = {k for s in self.sets for k in s} - set(self.keys)
        if unknown:
            raise ValueError(f"grouping sets name unknown keys: {sorted(unknown)}")

    def marker(self, keys: tuple[str, ...]) -> int:
        """The value of :data:`GROUPING_COLUMN` on the rows of the set ``keys``: SQL's
        ``GROUPING(k1, ..., kn)``, a bit per key, the first key the most significant, set
        when the key is *not* in the row's set."""
        bits = 0
        for key in self.keys:
            bits = (bits << 1) | (0 if key in keys else 1)
        return bits
