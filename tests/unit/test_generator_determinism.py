"""Same seed and as_of → byte-identical files; another seed → other data; Parquet is typed."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from coxswain.core.errors import ValidationError
from coxswain.generator.engine.company import generate_company, iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.engine.schema import BUNDLE_ORDER, ENTITIES


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def _generate(directory: Path, seed: int, file_format: FileFormat = FileFormat.CSV) -> Path:
    config = GeneratorConfig(seed=seed, opportunities=1500, as_of=date(2026, 10, 31))
    write_entities(iter_entities(config), directory, file_format, chunk_rows=700)
    return directory


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_same_seed_gives_identical_files(tmp_path: Path, file_format: FileFormat) -> None:
    first = _digests(_generate(tmp_path / "a", 11, file_format))
    second = _digests(_generate(tmp_path / "b", 11, file_format))
    assert len(first) == len(BUNDLE_ORDER)
    assert first == second


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    first = _digests(_generate(tmp_path / "a", 11))
    second = _digests(_generate(tmp_path / "b", 12))
    for name in ("accounts.csv", "leads.csv", "opportunities.csv", "stage_changes.csv"):
        assert first[name] != second[name]
    assert first["stages.csv"] == second["stages.csv"]  # reference data does not depend on it


def test_chunking_does_not_change_the_output(tmp_path: Path) -> None:
    config = GeneratorConfig(seed=3, opportunities=800)
    write_entities(iter_entities(config), tmp_path / "small", FileFormat.CSV, chunk_rows=97)
    write_entities(iter_entities(config), tmp_path / "large", FileFormat.CSV, threads=1)
    assert _digests(tmp_path / "small") == _digests(tmp_path / "large")


def test_parquet_has_the_same_rows_with_typed_columns(tmp_path: Path) -> None:
    csv_dir = _generate(tmp_path / "csv", 5)
    parquet_dir = _generate(tmp_path / "parquet", 5, FileFormat.PARQUET)
    for name, spec in ENTITIES.items():
        table = pq.read_table(parquet_dir / f"{name}.parquet")
        assert tuple(table.column_names) == spec.field_names
        assert table.num_rows == pa_csv.read_csv(csv_dir / f"{name}.csv").num_rows
        for field in spec.fields:
            kind = table.schema.field(field.name).type
            if field.kind == "date":
                assert kind == pa.date32(), (name, field.name)
            elif field.kind == "datetime":
                assert kind == pa.timestamp("ms", tz="UTC"), (name, field.name)
            elif field.kind == "money":
                assert pa.types.is_decimal(kind), (name, field.name)
            elif field.kind in ("text", "ref", "enum", "email", "currency", "json"):
                assert kind == pa.string(), (name, field.name)
    deals = pq.read_table(parquet_dir / "opportunities.parquet").to_pylist()
    text = pa_csv.read_csv(
        csv_dir / "opportunities.csv",
        convert_options=pa_csv.ConvertOptions(column_types={"amount": pa.string()}),
    ).to_pylist()
    for typed, plain in zip(deals, text, strict=True):
        assert float(typed["amount"]) == float(plain["amount"])
        assert typed["opened_on"] == plain["opened_on"]


def test_company_rows_scale_with_the_opportunities() -> None:
    company = generate_company(GeneratorConfig(opportunities=2000))
    rows = company.rows()
    assert list(rows) == list(BUNDLE_ORDER)
    assert rows["opportunities"] == 2000
    assert rows["leads"] == 4000
    assert rows["accounts"] == 500
    assert 3.5 * 2000 <= rows["stage_changes"] <= 5.5 * 2000
    assert 0.9 * 2000 <= rows["activities"] <= 2000


@pytest.mark.parametrize(
    ("opportunities", "reps"), [(1, 36), (10_000, 36), (250_000, 100), (5_000_000, 400)]
)
def test_rep_count_scales_and_is_clamped(opportunities: int, reps: int) -> None:
    assert GeneratorConfig(opportunities=opportunities).reps == reps


def test_tiny_company_is_still_valid() -> None:
    company = generate_company(GeneratorConfig(opportunities=1))
    assert company.rows()["opportunities"] == 1


@pytest.mark.parametrize("kwargs", [{"opportunities": 0}, {"seed": -1}, {"history_months": 3}])
def test_bad_config_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        GeneratorConfig(**kwargs)  # type: ignore[arg-type]
