"""When a file takes the Arrow path, and the loop that feeds it blocks.

Stage history and opportunities have Arrow writers of their own (:mod:`arrow_history`,
:mod:`arrow_opportunities`); leads, and opportunities whose mapping has defaults, value maps or
formats, go through their column builders (``fast/``), fed Arrow-parsed batches
(:mod:`arrow_batch`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import pyarrow as pa

from coxswain.imports.engine.readers import CsvReader, TableReader
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_batch import arrow_batch
from coxswain.imports.fast.arrow_blocks import ArrowBlock, ArrowCsvBlocks, plain_dialect
from coxswain.imports.fast.arrow_history import ArrowStageChanges, arrow_ready
from coxswain.imports.fast.arrow_opportunities import ArrowOpportunities, opportunities_ready
from coxswain.imports.fast.deals import OpportunityColumns
from coxswain.imports.fast.registry import ROW_PATH_FLAGS
from coxswain.imports.fast.runner import FastBuilder, write_columns, write_fast
from coxswain.imports.writers.base import EntityWriter
from coxswain.imports.writers.deals import StageChangeWriter
from coxswain.imports.writers.opportunities import OpportunityWriter

Tick = Callable[[tuple[int, int], int], None]
COLUMN_ENTITIES = frozenset({"opportunities", "leads"})


class BlockWriter(Protocol):
    def write(self, block: ArrowBlock) -> None: ...


class ColumnBlocks:
    """Arrow blocks through an entity's column builder."""

    def __init__(self, writer: EntityWriter, builder: FastBuilder, parser: RowParser) -> None:
        self.writer, self.builder, self.parser = writer, builder, parser

    def write(self, block: ArrowBlock) -> None:
        ctx = self.writer.ctx
        ctx.counters.rows_read += block.table.num_rows
        batch = arrow_batch(self.parser, block, ctx.hash_salt)
        write_columns(self.writer, self.builder, self.parser, batch)


def arrow_blocks(
    entity: str, writer: EntityWriter, parser: RowParser, reader: TableReader, fast: FastBuilder
) -> tuple[BlockWriter, ArrowCsvBlocks] | None:
    """The block writer and block reader for this import, or None when it does not qualify
    (another entity, not a plain UTF-8 CSV; for stage history also a mapping with defaults,
    value maps or formats)."""
    if writer.ctx.flags & ROW_PATH_FLAGS or not isinstance(reader, CsvReader):
        return None
    if not plain_dialect(reader.encoding, reader.dialect):
        return None
    blocks = ArrowCsvBlocks(reader.path, reader.dialect, parser.width)
    if entity == "stage_changes" and isinstance(writer, StageChangeWriter):
        return (ArrowStageChanges(writer, parser), blocks) if arrow_ready(parser.bound) else None
    if (
        entity == "opportunities"
        and isinstance(writer, OpportunityWriter)
        and isinstance(fast, OpportunityColumns)
        and opportunities_ready(parser.bound)
    ):
        return ArrowOpportunities(writer, fast, parser), blocks
    if entity in COLUMN_ENTITIES:
        return ColumnBlocks(writer, fast, parser), blocks
    return None


def write_blocks(
    block_writer: BlockWriter,
    blocks: ArrowCsvBlocks,
    writer: EntityWriter,
    fast: FastBuilder,
    parser: RowParser,
    tick: Tick,
) -> None:
    """Every block: Arrow blocks to ``block_writer``, the rest (after an irregular block) to
    the column path ``fast`` in row batches, as the Python reader reads them."""
    pool = pa.default_memory_pool()
    close = getattr(block_writer, "close", None)  # a writer with a block still in flight
    try:
        for number, block in enumerate(blocks.blocks(), start=1):
            if isinstance(block, ArrowBlock):
                block_writer.write(block)
            else:
                if close is not None:
                    close()
                writer.ctx.counters.rows_read += len(block.rows)
                write_fast(writer, fast, parser, block.rows)
            del block
            pool.release_unused()  # give the block's buffers back (peak RSS counts them)
            tick(blocks.progress(), number)
    except BaseException:
        if close is not None:
            close(failed=True)
        raise
    if close is not None:
        close()
