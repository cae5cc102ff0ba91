"""Which entities have a column path, and when it may be used."""

from __future__ import annotations

from coxswain.imports.fast.deals import OpportunityColumns, StageChangeColumns
from coxswain.imports.fast.leads import LeadColumns
from coxswain.imports.fast.runner import FastBuilder
from coxswain.imports.writers.base import EntityWriter

BUILDERS: dict[str, type[FastBuilder]] = {
    "opportunities": OpportunityColumns,
    "stage_changes": StageChangeColumns,
    "leads": LeadColumns,
}
# Profile behaviours the column path does not reproduce: such imports use the row path only.
ROW_PATH_FLAGS = frozenset({"create_missing_stages", "synthesize_history"})


def fast_builder(entity: str, writer: EntityWriter) -> FastBuilder | None:
    builder = BUILDERS.get(entity)
    if builder is None or writer.ctx.flags & ROW_PATH_FLAGS:
        return None
    return builder(writer)
