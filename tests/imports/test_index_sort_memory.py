"""Deferred indexes are rebuilt with a smaller SQLite page cache, which is then restored.

SQLite's ``CREATE INDEX`` sorter may hold as much memory as the page cache before it spills
to disk; the import's peak memory was that sort on top of the cache itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Engine, Index, Integer, MetaData, String, Table, event, inspect
from sqlalchemy.orm import Session

from coxswain.imports.fast.indexes import SORT_CACHE_KIB, indexes_built_after


def test_indexes_are_rebuilt_under_a_smaller_cache_then_the_cache_is_restored(
    engine: Engine,
) -> None:
    metadata = MetaData()
    table = Table(
        "cx_probe_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
        Index("ix_cx_probe_rows_name", "name"),
    )
    metadata.create_all(engine)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as session, session.begin():
        cache_before = (
            session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
            if engine.dialect.name == "sqlite"
            else None
        )
        with indexes_built_after(session, table) as deferred:
            assert [index.name for index in deferred] == ["ix_cx_probe_rows_name"]
            session.execute(table.insert(), [{"id": i, "name": f"n{i % 7}"} for i in range(50)])
        if engine.dialect.name == "sqlite":
            cache_after = session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
            assert cache_after == cache_before
    event.remove(engine, "before_cursor_execute", record)

    names = {index["name"] for index in inspect(engine).get_indexes("cx_probe_rows")}
    assert names == {"ix_cx_probe_rows_name"}
    created = next(i for i, s in enumerate(statements) if s.startswith("CREATE INDEX"))
    pragmas = [(i, s) for i, s in enumerate(statements) if s.startswith("PRAGMA cache_size=")]
    if engine.dialect.name == "sqlite":
        assert SORT_CACHE_KIB == 16 * 1024
        # Lowered before the index is sorted, then set back to the value read before.
        assert pragmas[0][0] < created
        assert pragmas[0][1] == f"PRAGMA cache_size=-{SORT_CACHE_KIB}"
        assert pragmas[1][0] > created
        assert pragmas[1][1] == f"PRAGMA cache_size={cache_before}"
    else:
        assert pragmas == []
