"""The deals a stage-history block names, and which of them may already have history stored.

:meth:`DealLookup.resolve` finds each distinct deal cell's ``(id hex, pipeline id, currency)``
with one query per few thousand values that returns ids as text (no ``uuid.UUID`` per row);
cells it does not find by external id in the import's source go to the writer's own
:class:`~coxswain.imports.writers.deals.OpportunityInfo` (by Coxswain id, or an external id
unique across sources), so both paths resolve the same cells to the same deals.

:meth:`DealLookup.may_have_history` spares the "already stored?" query for deals that cannot
have history yet: when the history table was empty as the import began, only deals seen in an
earlier block of this import can. Deals seen are remembered in a 16 MB bit set indexed by 27
random bits of their id (a Bloom filter with one hash: after a million deals about 0.75 % of
new deals test positive); a false positive only costs a query, never a wrong answer.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from sqlalchemy import literal, select

from coxswain.imports.fast.hex_keys import keys_query
from coxswain.imports.writers.deals import OpportunityInfo

CHUNK = 5000
SEEN_BITS = 27
Deal = tuple[str, uuid.UUID, str]


def _slots(hexes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Byte and bit of each id in the seen-set (from the id's random low bits)."""
    index = np.array([int(h[-8:], 16) for h in hexes], dtype=np.int64) & ((1 << SEEN_BITS) - 1)
    return index >> 3, (index & 7).astype(np.uint8)


class DealLookup:
    """Per-import deal resolution for the Arrow stage-history path."""

    def __init__(self, info: OpportunityInfo, history: Any) -> None:
        self.info = info
        self.session = info.session
        postgres = self.session.get_bind().dialect.name == "postgresql"
        id_text = "replace(CAST({0} AS TEXT), '-', '')" if postgres else "{0}"
        self._query = keys_query(
            self.session,
            f"SELECT external_id, {id_text.format('id')}, {id_text.format('pipeline_id')},"
            " currency FROM opportunities"
            " WHERE external_source = :source AND external_id {in_values}",
        )
        empty = self.session.execute(select(literal(1)).select_from(history).limit(1)).first()
        self.track = empty is None
        self._seen = np.zeros(1 << (SEEN_BITS - 3) if self.track else 0, dtype=np.uint8)
        self._pipelines: dict[str, uuid.UUID] = {}

    def resolve(self, values: list[str]) -> list[Deal | None]:
        """``(id hex, pipeline id, currency)`` for each value, None when it names no deal."""
        found: dict[str, Deal] = {}
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows = self.session.execute(self._query, {"source": self.info.source, "values": chunk})
            for external_id, deal_hex, pipeline_hex, currency in rows:
                pipeline = self._pipelines.get(pipeline_hex)
                if pipeline is None:
                    pipeline = self._pipelines[pipeline_hex] = uuid.UUID(hex=pipeline_hex)
                found[external_id] = (deal_hex, pipeline, currency)
        rest = {v for v in values if v not in found}
        if rest:
            self.info.load(rest)
            for value in rest:
                entry = self.info.info.get(value)
                if entry is not None:
                    found[value] = (entry[0].hex, entry[1], entry[2])
        return [found.get(v) for v in values]

    def may_have_history(self, deal_hexes: list[str]) -> list[str]:
        """The deals among ``deal_hexes`` whose stored history must be read."""
        if not self.track:
            return deal_hexes
        if not deal_hexes:
            return []
        byte, bit = _slots(deal_hexes)
        known = (self._seen[byte] >> bit) & 1
        return [h for h, k in zip(deal_hexes, known.tolist(), strict=True) if k]

    def saw(self, deal_hexes: list[str]) -> None:
        """Remember deals this block may have written history for (fast or row path)."""
        if self.track and deal_hexes:
            byte, bit = _slots(deal_hexes)
            np.bitwise_or.at(self._seen, byte, np.left_shift(1, bit).astype(np.uint8))
