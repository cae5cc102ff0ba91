"""Stage history in many small blocks, each block's COPY running in the background on
PostgreSQL (``imports/fast/pg_pipe.py``): the stored history, counts and rejects equal the row
path's; a block the server refuses is rolled back to its savepoint and imported by the row path;
an import that fails half-way leaves the table, its indexes and foreign keys as they were."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.imports.fast import arrow_history, arrow_registry, pg_pipe
from coxswain.imports.fast.arrow_blocks import ArrowCsvBlocks
from coxswain.imports.service import import_file
from tests.integration.test_import_arrow_path import _history, _load, _rejects, company

__all__ = ["company"]  # the fixture, shared with the Arrow path's own test

SHAPE = """
SELECT (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes
        WHERE tablename = 'opportunity_stage_changes'),
       (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
        WHERE conrelid = 'opportunity_stage_changes'::regclass)
"""


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of ~2 KB, so the stage history of the small company takes dozens of blocks."""
    monkeypatch.setattr(
        arrow_registry, "ArrowCsvBlocks", functools.partial(ArrowCsvBlocks, block_bytes=2048)
    )


def _row_path_copy(template: str, tmp_path: Path, company: Path) -> tuple[Any, ...]:
    from tests.conftest import _pg_admin, _pg_url

    name = f"cx_pipe_{tmp_path.name[-8:].lower().replace('-', '_')}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    engine = make_engine(_pg_url(name))
    (tmp_path / "row").mkdir()
    try:
        counts = _load(engine, company, tmp_path / "row", allow_fast=False)
        return counts["stage_changes"], _history(engine), _rejects(tmp_path / "row")
    finally:
        engine.dispose()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("refuse_block", [0, 3], ids=["all-stored", "third-block-refused"])
def test_background_copies_store_what_the_row_path_stores(
    database_url: str,
    template_databases: dict[str, str],
    tmp_path: Path,
    company: Path,
    small_blocks: None,
    monkeypatch: pytest.MonkeyPatch,
    refuse_block: int,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the background COPY is PostgreSQL's")
    copies = 0
    real_copy = pg_pipe._copy

    def copy(*args: Any) -> None:
        nonlocal copies
        copies += 1
        real_copy(*args)  # the rows reach the server ...
        if copies == refuse_block:  # ... and the server refuses the block
            raise psycopg.errors.CheckViolation("refused for the test")

    monkeypatch.setattr(pg_pipe, "_copy", copy)
    engine = make_engine(database_url)
    (tmp_path / "arrow").mkdir()
    try:
        arrow = _load(engine, company, tmp_path / "arrow")
        assert copies > 10  # many blocks, each its own COPY
        expected_counts, expected_history, expected_rejects = _row_path_copy(
            template_databases["postgresql"], tmp_path, company
        )
        assert arrow["stage_changes"] == expected_counts
        assert _history(engine) == expected_history
        assert _rejects(tmp_path / "arrow") == expected_rejects
        again = _load(engine, company, tmp_path / "arrow")
        inserted, rejected, unchanged, read = expected_counts
        assert again["stage_changes"] == (0, rejected, inserted + unchanged, read)
    finally:
        engine.dispose()


def test_failed_import_leaves_table_indexes_and_keys_as_before(
    database_url: str,
    tmp_path: Path,
    company: Path,
    small_blocks: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the background COPY is PostgreSQL's")
    engine: Engine = make_engine(database_url)
    try:
        counts = _load(engine, company, tmp_path, allow_fast=False)  # the deals, and history
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM opportunity_stage_changes"))
            shape = connection.execute(text(SHAPE)).one()
        assert "ix_opportunity_stage_changes_to_stage_id" in shape[0]
        calls = 0
        real_deals = arrow_history.ArrowStageChanges._deals

        def deals(self: Any, *args: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 4:  # blocks 1-3 are stored (or in flight) by now
                raise RuntimeError("the import stops half-way")
            return real_deals(self, *args)

        monkeypatch.setattr(arrow_history.ArrowStageChanges, "_deals", deals)
        with pytest.raises(RuntimeError, match="half-way"), unit_of_work(engine) as session:
            import_file(session, entity="stage_changes", path=company / "stage_changes.csv")
        assert counts["stage_changes"][0] > 0
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM opportunity_stage_changes"))
            assert stored.scalar_one() == 0
            assert connection.execute(text(SHAPE)).one() == shape
    finally:
        engine.dispose()
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)
