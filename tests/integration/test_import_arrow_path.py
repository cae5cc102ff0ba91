"""The Arrow path for stage history stores what the row path stores, byte for byte, rejects the
same rows with the same line numbers, and a second import changes nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.engine.readers import open_table
from coxswain.imports.fast.arrow_blocks import ArrowBlock, ArrowCsvBlocks
from coxswain.imports.service import bundle_files, import_file

# The stored rows, raw (no ORM type processing): ids replaced by the names they point at.
HISTORY = """
SELECT o.external_id, f.name, t.name, CAST(c.changed_at AS TEXT), u.external_id,
       c.amount_minor, c.external_source
FROM opportunity_stage_changes c
JOIN opportunities o ON o.id = c.opportunity_id
JOIN stages t ON t.id = c.to_stage_id
LEFT JOIN stages f ON f.id = c.from_stage_id
LEFT JOIN users u ON u.id = c.changed_by_id
"""


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated company whose stage history has rows each path must doubt."""
    folder = tmp_path_factory.mktemp("company")
    write_entities(
        iter_entities(GeneratorConfig(seed=5, opportunities=400)), folder, FileFormat.CSV
    )
    path = folder / "stage_changes.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    h = {name: i for i, name in enumerate(rows[0])}
    rows[3][h["opportunity"]] = "O-nobody"  # rejected: no such deal
    rows[6][h["to_stage"]] = "Negotiations"  # rejected: no such stage
    rows[9][h["changed_at"]] = "2023-02-30T10:00:00Z"  # rejected: no 30 February
    rows[12][h["changed_at"]] = ""  # rejected: required
    rows[15][h["amount"]] = "twelve"  # rejected: not a number
    rows[18][h["changed_at"]] = "2023-10-01 11:50:00+02:00"  # another form: row path parses it
    rows[21][h["amount"]] = "100.125"  # finer than cents: the row path rounds it
    rows[24][h["to_stage"]] = " " + rows[24][h["to_stage"]]  # blanks: the row path strips them
    rows[27][h["amount"]] = ""  # no amount: NULL
    rows[30][h["changed_by"]] = "U-nobody"  # rejected: no such user
    rows.append(list(rows[40]))  # a repeated row: unchanged, not an error
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def _load(engine: Engine, folder: Path, out: Path, **paths: bool) -> dict[str, tuple[int, ...]]:
    counts: dict[str, tuple[int, ...]] = {}
    for entity, file in bundle_files(folder):
        if entity in ("line_items", "activities"):
            continue
        with unit_of_work(engine) as session:
            report = import_file(
                session,
                entity=entity,
                path=file,
                rejects_path=out / f"{entity}.rejects.csv",
                **(paths if entity == "stage_changes" else {}),
            )
        counts[entity] = (report.inserted, report.rejected, report.unchanged, report.rows_read)
    return counts


def _history(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return sorted((tuple(r) for r in connection.execute(text(HISTORY))), key=repr)


def _rejects(out: Path) -> list[list[str]]:
    with (out / "stage_changes.rejects.csv").open(encoding="utf-8") as handle:
        return sorted(csv.reader(handle))


def test_arrow_and_row_paths_store_the_same_history(
    database_url: str,
    template_databases: dict[str, str],
    tmp_path: Path,
    company: Path,
    backend: str,
) -> None:
    from tests.conftest import _pg_admin, _pg_url

    arrow_engine = make_engine(database_url)
    name = ""
    if backend == "sqlite":
        shutil.copyfile(template_databases["sqlite"], tmp_path / "row.db")
        row_url = f"sqlite:///{tmp_path / 'row.db'}"
    else:
        name = f"cx_arrow_{tmp_path.name[-8:].lower().replace('-', '_')}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_databases["postgresql"]}"')
        row_url = _pg_url(name)
    row_engine = make_engine(row_url)
    (tmp_path / "arrow").mkdir()
    (tmp_path / "row").mkdir()
    try:
        arrow = _load(arrow_engine, company, tmp_path / "arrow")
        row = _load(row_engine, company, tmp_path / "row", allow_fast=False)
        assert arrow["stage_changes"] == row["stage_changes"]
        inserted, rejected, unchanged, read = arrow["stage_changes"]
        assert (rejected, unchanged) == (6, 1)
        assert inserted + rejected + unchanged == read
        stored = _history(arrow_engine)
        assert stored == _history(row_engine)
        assert len(stored) == inserted
        # Six rejects, each naming its line (the header is line 1, data row k is line k + 1).
        rejects = _rejects(tmp_path / "arrow")
        assert rejects == _rejects(tmp_path / "row")
        assert sorted(int(r[0]) for r in rejects[:-1]) == [4, 7, 10, 13, 16, 31]
        assert {r[1] for r in rejects[:-1]} == {
            "opportunity",
            "to_stage",
            "changed_at",
            "amount",
            "changed_by",
        }
        # A second import through the Arrow path changes nothing.
        again = _load(arrow_engine, company, tmp_path / "arrow")
        assert again["stage_changes"] == (0, 6, inserted + 1, read)
        assert _history(arrow_engine) == stored
    finally:
        arrow_engine.dispose()
        row_engine.dispose()
        if name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _python_rows(path: Path) -> list[tuple[int, list[str]]]:
    reader = open_table(path)
    try:
        return list(reader.rows())
    finally:
        reader.close()


def _arrow_rows(path: Path, block_bytes: int) -> tuple[list[tuple[int, list[str]]], int, int]:
    reader = open_table(path)
    blocks = ArrowCsvBlocks(path, reader.dialect, len(reader.headers), block_bytes=block_bytes)
    reader.close()
    rows: list[tuple[int, list[str]]] = []
    arrow_blocks = text_blocks = 0
    for block in blocks.blocks():
        if isinstance(block, ArrowBlock):
            arrow_blocks += 1
            columns = [c.to_pylist() for c in block.table.columns]
            rows += [
                (block.first_line + i, list(cells))
                for i, cells in enumerate(zip(*columns, strict=True))
            ]
        else:
            text_blocks += 1
            rows += block.rows
    return rows, arrow_blocks, text_blocks


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_arrow_blocks_read_what_the_python_reader_reads(tmp_path: Path, ending: str) -> None:
    """Line numbers and cells equal the csv module's, also past a value holding a newline,
    a blank line, and a last line without its newline (the rest is read by the csv module)."""
    lines = ['"a","b","c"'] + [f'"x{i}","{i}",' for i in range(300)]
    lines[120] = '"multi\nline","7",""'
    lines[200] = ""
    path = tmp_path / "t.csv"
    path.write_bytes((ending.join(lines)).encode())
    rows, arrow_blocks, text_blocks = _arrow_rows(path, block_bytes=200)
    assert rows == _python_rows(path)
    assert rows[0] == (2, ["x0", "0", ""])
    assert rows[-1] == (302, ["x299", "299", ""])  # one more line: the newline in a value
    assert len(rows) == 299  # the blank line is no row
    assert arrow_blocks >= 2
    assert text_blocks >= 1  # Arrow read the start, the csv module the rest


def test_plain_file_is_read_by_arrow_to_the_end(tmp_path: Path) -> None:
    lines = ["a;b"] + [f'{i};"v {i};"' for i in range(1000)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline after the last row
    rows, arrow_blocks, text_blocks = _arrow_rows(path, block_bytes=1024)
    assert rows == _python_rows(path)
    assert rows[-1] == (1001, ["999", "v 999;"])
    assert (arrow_blocks > 1, text_blocks) == (True, 0)
