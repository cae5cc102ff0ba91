"""``coxswain route`` and ``coxswain leads`` as a user runs them: real files and databases.

Commands run in-process through Typer's runner (the full command tree takes seconds to import
in a fresh process); one test runs the real ``coxswain`` process to check that a user's
mistake prints one line and exits 1. These use SQLite files; the services underneath are
tested on both backends.
The expected batch output below was checked by hand against examples/routing/rules.yaml
(the reasoning for each row is in docs/routing.md, "Worked example").
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coxswain.cli.main import _register, app
from coxswain.core.errors import CoxswainError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"
AS_OF = "2025-03-04T15:00:00Z"
EXPECTED = """\
lead_id,owner,rule,method
EX-001,erin.walsh@example.com,account Acme Corporation,account_owner
EX-002,frank.osei@example.com,account Globex Inc.,account_owner
EX-003,ana.ruiz@example.com,North America,round_robin
EX-004,ben.carter@example.com,North America,round_robin
EX-005,carla.diaz@example.com,North America,round_robin
EX-006,erin.walsh@example.com,Enterprise North America,weighted_round_robin
EX-007,ana.ruiz@example.com,Enterprise North America,round_robin
EX-008,,Nurture,queue
EX-009,kim.nguyen@example.com,Partners and referrals,round_robin
EX-010,kim.nguyen@example.com,Partners and referrals,round_robin
EX-011,greta.berg@example.com,EMEA,load_balanced
EX-012,hugo.martin@example.com,EMEA,load_balanced
EX-013,,Unassigned,fallback
EX-014,greta.berg@example.com,EMEA,load_balanced
EX-015,greta.berg@example.com,account Umbrella Health,account_owner
EX-016,isabel.costa@example.com,LATAM territories,territory_owner
EX-017,juan.reyes@example.com,LATAM territories,territory_owner
EX-018,,Unassigned,fallback
EX-019,ben.carter@example.com,North America,round_robin
EX-020,ben.carter@example.com,New York metro,territory_owner
EX-021,carla.diaz@example.com,North America,round_robin
EX-022,ana.ruiz@example.com,North America,round_robin
EX-023,ben.carter@example.com,North America,round_robin
EX-024,ana.ruiz@example.com,North America,round_robin
EX-025,ben.carter@example.com,Enterprise North America,round_robin
EX-026,ana.ruiz@example.com,duplicate of EX-003,duplicate_owner
EX-027,,Unassigned,fallback
EX-028,,Unassigned,fallback
EX-029,frank.osei@example.com,Enterprise North America,weighted_round_robin
EX-030,ana.ruiz@example.com,North America,round_robin
"""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(db: str, *args: str) -> Result:
    """Run a command like ``coxswain.cli.main.run`` does: a CoxswainError is exit 1 + one line."""
    _register()
    result = CliRunner().invoke(app, ["--db", db, *args], env={"COLUMNS": "200"})
    error = result.exception
    if isinstance(error, CoxswainError):
        return Result(1, result.stdout, f"error [{error.code}] {error}")
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return Result(result.exit_code, result.stdout, result.stderr)


def run_process(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "coxswain", "--db", db, *args]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.fixture
def org_db(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "coxswain.db"
    db = f"sqlite:///{path}"
    result = run(db, "import", "bundle", str(EXAMPLES / "org"), "--json")
    assert result.returncode == 0, result.stderr
    return db, path


def counts(path: Path) -> dict[str, int]:
    tables = ("routing_decisions", "routing_runs", "routing_pool_states", "ownership_changes")
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_example_batch_routes_every_lead_in_order(org_db: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = org_db
    out = tmp_path / "routed.csv"
    result = run(db, "route", "batch", "--rules", str(EXAMPLES / "rules.yaml"),
                 "--leads", str(EXAMPLES / "leads.csv"), "--out", str(out), "--as-of", AS_OF)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == EXPECTED
    assert "line 29: employees 'lots' read as blank (expected a whole number)" in " ".join(
        result.stderr.split()
    )
    explained = run(db, "route", "explain", "EX-014")
    assert explained.returncode == 0, explained.stderr
    text = " ".join(explained.stdout.split())
    assert (
        "account 'Blue Harbour Logistics Ltd': owner dev.patel@example.com is out of office" in text
    )
    assert "rule 'EMEA' (#6) matched" in text
    as_json = json.loads(run(db, "route", "explain", "EX-024", "--json").stdout)
    carla = next(
        c
        for c in as_json["current"]["attempts"][0]["candidates"]
        if c["rep"] == "carla.diaz@example.com"
    )
    assert carla["reason"] == "daily cap reached (2/2 on 2025-03-04)"


def test_simulate_changes_nothing(org_db: tuple[str, Path]) -> None:
    db, path = org_db
    assert run(db, "route", "publish", str(EXAMPLES / "rules.yaml")).returncode == 0
    before = counts(path)
    result = run(db, "route", "simulate", "--rules", str(EXAMPLES / "rules.yaml"),
                 "--leads", str(EXAMPLES / "leads.csv"), "--as-of", AS_OF, "--no-replay", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["leads"] == 30
    assert report["owner_changes"] == 0  # the same rules on both sides
    assert sum(row["proposed_leads"] for row in report["reps"]) == 25
    assert counts(path) == before


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            "fallback_queue: Q\npools: [{name: P, members: [ana.ruiz@example.com]}]\n"
            "rules: [{name: Big, when: {employes: {gte: 5}}, pool: P}]\n",
            "rule 'Big' (#1): unknown field 'employes' (did you mean 'employees'?)",
        ),
        (
            "fallback_queue: Q\npools: [{name: P, members: [nobody@example.com]}]\n"
            "rules: [{name: All, pool: P}]\n",
            "pool 'P': unknown rep 'nobody@example.com' (no such user)",
        ),
        ("fallback_queue: [\n", "not valid YAML"),
    ],
)
def test_a_bad_rules_file_is_one_line_and_exit_1(
    org_db: tuple[str, Path], tmp_path: Path, rules: str, message: str
) -> None:
    db, _ = org_db
    path = tmp_path / "bad.yaml"
    path.write_text(rules, encoding="utf-8")
    result = run(db, "route", "batch", "--rules", str(path), "--leads", str(EXAMPLES / "leads.csv"),
                 "--out", str(tmp_path / "o.csv"))  # fmt: skip
    assert result.returncode == 1
    assert message in " ".join(result.stderr.split())
    assert "[routing_rules_invalid]" in result.stderr


def test_the_real_process_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("fallback_queue: Q\nrules: [{name: All, pool: Nowhere}]\n", encoding="utf-8")
    result = run_process(f"sqlite:///{tmp_path / 'x.db'}", "route", "validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert lines == [
        f"error [routing_rules_invalid] {path}: rule 'All' (#1): pool 'Nowhere' is not defined "
        "under pools"
    ]


def test_unknown_lead_and_bad_instant(org_db: tuple[str, Path]) -> None:
    db, _ = org_db
    missing = run(db, "route", "explain", "NOPE")
    assert missing.returncode == 1
    assert "no routing decision for lead 'NOPE'" in missing.stderr
    bad = run(db, "leads", "sla", "--as-of", "yesterday")
    assert bad.returncode == 1
    assert "--as-of 'yesterday': expected an ISO date-time" in bad.stderr


def test_publish_route_accept_and_sla(org_db: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = org_db
    assert run(db, "route", "publish", str(EXAMPLES / "rules.yaml")).returncode == 0
    leads = tmp_path / "leads.csv"
    leads.write_text("external_id,email,country,status,received_at,mql_at\n"
                     f"N1,n1@new.com,United States,mql,{AS_OF},{AS_OF}\n", encoding="utf-8")  # fmt: skip
    assert run(db, "import", "leads", str(leads)).returncode == 0
    routed = run(db, "route", "lead", "N1", "--as-of", AS_OF, "--json")
    assert routed.returncode == 0, routed.stderr
    assert json.loads(routed.stdout)["decision"]["owner_email"] == "ana.ruiz@example.com"
    accepted = run(db, "leads", "accept", "N1", "--at", "2025-03-04T15:30:00Z")
    assert json.loads(accepted.stdout) == {"lead": "N1", "status": "accepted"}
    report = json.loads(run(db, "leads", "sla", "--as-of", "2025-03-04T16:00:00Z", "--json").stdout)
    assert report["overall"]["accept"]["on_time"] == 1
    assert report["policies_source"] == "rule set v1 (sla section)"
    clocks = json.loads(
        run(db, "leads", "sla", "N1", "--as-of", "2025-03-04T16:00:00Z", "--json").stdout
    )
    assert clocks["policy"] == "Standard"
    assert [m["state"] for m in clocks["milestones"]] == ["met", "due"]
    escalated = json.loads(
        run(db, "leads", "escalate", "--as-of", "2025-03-04T16:00:00Z", "--json").stdout
    )
    assert escalated["actions"] == []
