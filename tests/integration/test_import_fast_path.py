"""The column path and the row path store the same records (and reject the same rows)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.export import export_entity
from coxswain.imports.service import bundle_files, import_file

ENTITIES = ("leads", "opportunities", "stage_changes")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    write_entities(
        iter_entities(GeneratorConfig(seed=11, opportunities=500)), folder, FileFormat.CSV
    )
    # Spoil a few rows so both paths must reject them the same way.
    path = folder / "opportunities.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header = rows[0]
    rows[5][header.index("stage")] = "Negotiations"
    rows[9][header.index("amount")] = "twelve"
    rows[12][header.index("owner")] = "U-nobody"
    rows[15][header.index("closed_on")] = (
        "2020-01-01" if rows[15][header.index("closed_on")] else "2030-01-01"
    )
    rows.append(list(rows[20]))  # a duplicate external id
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    leads = folder / "leads.csv"
    rows = list(csv.reader(leads.open(encoding="utf-8")))
    header = rows[0]
    rows[3][header.index("score")] = "250"
    rows[4][header.index("owner")] = "U-nobody"
    rows[6][header.index("received_at")] = ""  # received time derived from the first step
    late = (
        header.index("converted_at")
        if rows[7][header.index("converted_at")]
        else header.index("mql_at")
    )
    rows[7][late] = "2001-01-01T00:00:00Z"  # a step before the others: imported with a warning
    with leads.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def load(engine: Engine, folder: Path, *, fast: bool) -> dict[str, tuple[int, int, int, int]]:
    counts: dict[str, tuple[int, int, int, int]] = {}
    for entity, file in bundle_files(folder):
        with unit_of_work(engine) as session:
            report = import_file(
                session,
                entity=entity,
                path=file,
                allow_fast=fast,
                rejects_path=folder.parent / f"{entity}-{fast}.rejects.csv",
            )
        counts[entity] = (report.inserted, report.rejected, report.unchanged, report.warnings)
    return counts


def exported(engine: Engine, entity: str, out: Path) -> list[list[str]]:
    with unit_of_work(engine) as session:
        export_entity(session, entity=entity, out=out, fmt="csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    return [rows[0], *sorted(rows[1:])]


def status_history(engine: Engine) -> list[tuple[object, ...]]:
    from coxswain.db.models import Lead, LeadStatusChange

    with unit_of_work(engine) as session:
        rows = session.execute(
            select(
                Lead.external_id,
                LeadStatusChange.from_status,
                LeadStatusChange.to_status,
                LeadStatusChange.changed_at,
            ).join(Lead, Lead.id == LeadStatusChange.lead_id)
        ).all()
    return sorted((tuple(r) for r in rows), key=repr)


def test_both_paths_store_the_same_records(
    database_url: str,
    template_databases: dict[str, str],
    tmp_path: Path,
    company: Path,
    backend: str,
) -> None:
    from tests.conftest import _pg_admin, _pg_url

    fast_engine = make_engine(database_url)
    if backend == "sqlite":
        import shutil

        shutil.copyfile(template_databases["sqlite"], tmp_path / "row.db")
        row_url = f"sqlite:///{tmp_path / 'row.db'}"
    else:
        name = f"cx_row_{tmp_path.name[-8:].lower().replace('-', '_')}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_databases["postgresql"]}"')
        row_url = _pg_url(name)
    row_engine = make_engine(row_url)
    try:
        fast_counts = load(fast_engine, company, fast=True)
        row_counts = load(row_engine, company, fast=False)
        assert fast_counts == row_counts
        assert fast_counts["opportunities"][1] == 5  # four spoiled rows and the duplicate
        assert fast_counts["leads"][1] == 2
        assert fast_counts["leads"][3] >= 1
        for entity in ENTITIES:
            assert exported(fast_engine, entity, tmp_path / f"f-{entity}.csv") == exported(
                row_engine, entity, tmp_path / f"r-{entity}.csv"
            )
        assert status_history(fast_engine) == status_history(row_engine)
        # A second import through the column path changes nothing.
        again = load(fast_engine, company, fast=True)
        assert again["opportunities"][:3] == (0, 5, fast_counts["opportunities"][0])
        assert again["leads"][:3] == (0, 2, fast_counts["leads"][0])
        assert again["stage_changes"][0] == 0
    finally:
        fast_engine.dispose()
        row_engine.dispose()
        if backend != "sqlite":
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_fast_path_keeps_status_history_consistent(session: Session, company: Path) -> None:
    from coxswain.db.models import Opportunity, OpportunityStageChange, Stage

    for entity, file in bundle_files(company):
        import_file(session, entity=entity, path=file)
    last_stage = {}
    for deal_id, stage_id, _ in session.execute(
        select(
            OpportunityStageChange.opportunity_id,
            OpportunityStageChange.to_stage_id,
            OpportunityStageChange.changed_at,
        ).order_by(OpportunityStageChange.changed_at)
    ):
        last_stage[deal_id] = stage_id
    mismatches = 0
    for deal in session.scalars(select(Opportunity)):
        if deal.id in last_stage and last_stage[deal.id] != deal.stage_id:
            mismatches += 1
    assert mismatches == 0
    assert session.scalar(select(Stage.id).limit(1)) is not None


def index_names(engine: Engine, table: str) -> set[str]:
    """The table's indexes and, by name, its foreign keys (both may be deferred by a load)."""
    from sqlalchemy import inspect

    found = inspect(engine)
    return {ix["name"] for ix in found.get_indexes(table) if ix["name"]} | {
        f"fk:{fk['referred_table']}:{','.join(fk['constrained_columns'])}"
        for fk in found.get_foreign_keys(table)
    }


def test_indexes_deferred_on_an_empty_table_are_rebuilt(engine: Engine, company: Path) -> None:
    """An import into an empty table drops its secondary indexes for the load and rebuilds
    them in the same transaction; a failing import rolls the drop back with everything else."""
    from coxswain.db.models import Base

    declared = {
        ix.name for ix in Base.metadata.tables["opportunities"].indexes if ix.name is not None
    }
    assert "ix_opportunities_owner_id_id" in declared
    before = index_names(engine, "opportunities")
    assert declared <= before
    assert {"fk:users:owner_id", "fk:accounts:account_id", "fk:stages:stage_id"} <= before

    class Boom(Exception):
        pass

    def explode(done: int, total: int) -> None:
        raise Boom  # fails mid-import, after the indexes were dropped

    for entity, file in bundle_files(company):
        if entity == "opportunities":
            with pytest.raises(Boom), unit_of_work(engine) as session:
                import_file(session, entity=entity, path=file, progress=explode)
            assert index_names(engine, "opportunities") == before
        with unit_of_work(engine) as session:
            report = import_file(session, entity=entity, path=file)
        if entity == "opportunities":
            assert report.inserted == 496  # 501 rows (500 + a duplicate), 5 rejected
            break
    assert index_names(engine, "opportunities") == before


def test_indexes_the_import_reads_by_are_kept_while_it_runs(engine: Engine, company: Path) -> None:
    """Mid-import, the deferred indexes are gone but the one a stage-history import looks its
    own rows up by is there (without it every batch would scan the growing table)."""
    from sqlalchemy import inspect

    seen: dict[str, set[str]] = {}
    for entity, file in bundle_files(company):
        if entity not in ("opportunities", "stage_changes"):
            with unit_of_work(engine) as session:
                import_file(session, entity=entity, path=file)
            continue
        with unit_of_work(engine) as session:

            def look(
                done: int, total: int, entity: str = entity, session: Session = session
            ) -> None:
                table = (
                    "opportunities" if entity == "opportunities" else "opportunity_stage_changes"
                )
                names = {ix["name"] for ix in inspect(session.connection()).get_indexes(table)}
                seen[entity] = {n for n in names if n}

            import_file(session, entity=entity, path=file, progress=look)
        if entity == "stage_changes":
            break
    assert "ix_opportunities_owner_id_id" not in seen["opportunities"]  # deferred
    assert "ix_opportunity_stage_changes_opportunity_id_changed_at" in seen["stage_changes"]
    assert "ix_opportunity_stage_changes_to_stage_id" not in seen["stage_changes"]  # deferred
