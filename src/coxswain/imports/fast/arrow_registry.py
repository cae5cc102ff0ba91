"""When a file takes the Arrow path, and the loop that feeds it blocks."""

from __future__ import annotations

from collections.abc import Callable

from coxswain.imports.engine.readers import CsvReader, TableReader
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_blocks import ArrowBlock, ArrowCsvBlocks, plain_dialect
from coxswain.imports.fast.arrow_history import ArrowStageChanges, arrow_ready
from coxswain.imports.fast.registry import ROW_PATH_FLAGS
from coxswain.imports.fast.runner import FastBuilder, write_fast
from coxswain.imports.writers.base import EntityWriter
from coxswain.imports.writers.deals import StageChangeWriter

Tick = Callable[[tuple[int, int], int], None]


def arrow_blocks(
    entity: str, writer: EntityWriter, parser: RowParser, reader: TableReader
) -> tuple[ArrowStageChanges, ArrowCsvBlocks] | None:
    """The Arrow writer and block reader for this import, or None when it does not qualify
    (another entity, not a plain UTF-8 CSV, a mapping with defaults, value maps or formats)."""
    if entity != "stage_changes" or not isinstance(writer, StageChangeWriter):
        return None
    if writer.ctx.flags & ROW_PATH_FLAGS or not isinstance(reader, CsvReader):
        return None
    if not plain_dialect(reader.encoding, reader.dialect) or not arrow_ready(parser.bound):
        return None
    blocks = ArrowCsvBlocks(reader.path, reader.dialect, parser.width)
    return ArrowStageChanges(writer, parser), blocks


def write_blocks(
    arrow: ArrowStageChanges,
    blocks: ArrowCsvBlocks,
    fast: FastBuilder,
    tick: Tick,
) -> None:
    """Every block: Arrow blocks to ``arrow``, the rest (after an irregular block) to the
    column path ``fast`` in row batches, as the Python reader reads them."""
    writer, parser = arrow.writer, arrow.parser
    for number, block in enumerate(blocks.blocks(), start=1):
        if isinstance(block, ArrowBlock):
            arrow.write(block)
        else:
            writer.ctx.counters.rows_read += len(block.rows)
            write_fast(writer, fast, parser, block.rows)
        tick(blocks.progress(), number)
