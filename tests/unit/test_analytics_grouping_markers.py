"""GroupingSetsQuery: the GROUPING() marker of each set, worked out by hand, and the checks
on the sets it is given."""

from __future__ import annotations

import ibis
import pytest

from coxswain.analytics.engine.grouping_sets import GroupingSetsQuery

TABLE = ibis.table({"a": "string", "b": "string", "c": "string", "v": "int64"}, name="t")
EXPR = TABLE.group_by("a", "b", "c").aggregate(n=TABLE.count())


def test_marker_bits_first_key_most_significant() -> None:
    query = GroupingSetsQuery(EXPR, ("a", "b", "c"), ((), ("a",), ("b",), ("c",), ("a", "c")))
    # A bit per key, set when the key is left out of the set: (a, b, c) → 0bABC.
    assert [query.marker(s) for s in query.sets] == [0b111, 0b011, 0b101, 0b110, 0b010]
    assert query.marker(("a", "b", "c")) == 0


@pytest.mark.parametrize(
    ("keys", "sets", "message"),
    [
        ((), ((),), "at least one key"),
        (("a",), ((), ()), "repeated"),
        (("a",), (("b",),), "unknown keys"),
    ],
)
def test_rejects_bad_sets(
    keys: tuple[str, ...], sets: tuple[tuple[str, ...], ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        GroupingSetsQuery(EXPR, keys, sets)
