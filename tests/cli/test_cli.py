"""The ``coxswain`` command as a user runs it: a real process, real files, real databases."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch

import pytest

from coxswain import __version__
from coxswain.cli import main


def run(*args: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process, as the console script does, and capture it."""
    argv = ["coxswain", *(["--db", db] if db else []), *args]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        patch.object(sys, "argv", argv),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main.run()
        except SystemExit as exc:
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m coxswain`` in a real process: startup, exit code, no traceback."""
    command = [sys.executable, "-m", "coxswain", *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_version() -> None:
    result = run_process("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"coxswain {__version__}"


def test_init_then_import_and_export(database_url: str, tmp_path: Path) -> None:
    assert run("init", db=database_url).returncode == 0
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,employees\nA1,Acme,10\nA2,Beta,lots\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = run(
        "import", "accounts", str(accounts), "--rejects", str(rejects), "--json", db=database_url
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["inserted"], report["rejected"]) == (1, 1)
    assert "line" not in result.stderr.lower() or "Traceback" not in result.stderr
    assert (
        rejects.read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith("3,employees,lots,expected a whole number")
    )
    out = tmp_path / "out.xlsx"
    result = run("export", "accounts", "--format", "xlsx", "--out", str(out), db=database_url)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "accounts", "/nonexistent/file.csv"), "/nonexistent/file.csv: file not found"),
        (("import", "widgets", "x.csv"), "unknown entity 'widgets'"),
        (("export", "accounts", "--format", "pdf", "--out", "x.pdf"), "unknown format 'pdf'"),
        (("import", "accounts", "x.csv", "--profile", "zoho"), "unknown profile 'zoho'"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_1(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "x.csv").write_text("external_id,name\n1,a\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    # One case in a real process (the console script's own error handling), the rest in-process.
    result = (
        run_process("--db", db, *args, cwd=tmp_path)
        if "widgets" in args
        else run("--db", db, *args)
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1
    assert message in lines[0]


def test_missing_column_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text("external_id,stage\n1,Proposal\n", encoding="utf-8")
    result = run("import", "opportunities", str(path), db=f"sqlite:///{tmp_path / 'c.db'}")
    assert result.returncode == 1
    assert (
        f"{path}, line 1: required column missing for opportunities (native profile): name"
        in result.stderr
    )


def test_bad_database_url() -> None:
    result = run("init", db="mysql://localhost/x")
    assert result.returncode == 1
    assert "supports sqlite:/// and postgresql:// only" in result.stderr


def test_read_commands_take_json(database_url: str, tmp_path: Path) -> None:
    deals = tmp_path / "opportunities.csv"
    deals.write_text(
        "external_id,name,stage,amount,currency,opened_on,closed_on\n"
        "D1,First,Closed Won,1000,USD,2024-01-01,2024-02-01\n"
        "D2,Second,Closed Lost,500,USD,2024-01-01,2024-02-10\n"
        "D3,Third,Proposal,250,USD,2024-01-05,\n",
        encoding="utf-8",
    )
    assert run("import", "opportunities", str(deals), db=database_url).returncode == 0
    summary = json.loads(run("summary", "--json", db=database_url).stdout)
    assert summary["counts"] == {"won": 1, "lost": 1, "open": 1}
    assert summary["win_rate"] == 0.5
    assert summary["values"]["won"] == 1000.0
    listed = json.loads(run("list", "opportunities", "--json", db=database_url).stdout)
    assert sorted(d["external_id"] for d in listed) == ["D1", "D2", "D3"]
    runs = json.loads(run("import-runs", "--json", db=database_url).stdout)
    assert runs[0]["entity"] == "opportunities"
    assert runs[0]["inserted"] == 3
    deals.write_text(
        "external_id,name,stage,amount,currency,opened_on,closed_on\nD3,Third,Negotiation,300,USD,2024-01-05,\n",
        encoding="utf-8",
    )
    assert run("import", "opportunities", str(deals), db=database_url).returncode == 0
    trail = json.loads(run("history", "opportunities", "D3", "--json", db=database_url).stdout)
    kinds = [entry["kind"] for entry in trail]
    assert "update" in kinds
    assert "stage" in kinds
    update = next(e for e in trail if e["kind"] == "update")
    assert update["detail"]["before"]["amount_minor"] == 25000
    assert update["detail"]["after"]["amount_minor"] == 30000
