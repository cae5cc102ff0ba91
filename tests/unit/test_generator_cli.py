"""``coxswain generate`` writes the files and prints a summary (no database involved)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from coxswain.cli.main import _register, app
from coxswain.imports.engine.schema import BUNDLE_ORDER

_register()


def test_generate_writes_one_file_per_entity(tmp_path: Path) -> None:
    out = tmp_path / "company"
    result = CliRunner().invoke(
        app, ["generate", "--out", str(out), "--opportunities", "500", "--seed", "9",
              "--as-of", "2025-12-31"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in BUNDLE_ORDER)
    assert "opportunities" in result.output
    assert "seed 9" in result.output
    assert not list(out.glob("*.partial"))


def test_generate_parquet(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--out", str(tmp_path), "-n", "200", "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "stage_changes.parquet").exists()


def test_generate_refuses_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--as-of", "31/12/2025"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
