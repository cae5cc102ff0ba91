"""``coxswain <command>`` loads only the modules of that command; nothing may go missing.

Each check runs in a fresh interpreter (the Typer app is process-global): the command tree a
selective load builds must equal the tree of the full load, command by command.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coxswain.cli.commands import COMMAND_MODULES, COMMANDS, command_name, modules_for

TREE_SCRIPT = """
import json, sys
import typer
from coxswain.cli.main import _register, app
argv = json.loads(sys.argv[1])
_register(argv)

def walk(command, path):
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += walk(sub, f"{path} {name}")
    return paths

root = typer.main.get_command(app)
print(json.dumps({
    "tree": {name: walk(sub, name) for name, sub in root.commands.items()},
    "forecast_report_section": "coxswain.forecasting.integrations" in sys.modules,
    "heavy": sorted(m for m in ("ibis", "duckdb", "uvicorn", "sklearn") if m in sys.modules),
}))
"""


def _load(argv: list[str] | None) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", TREE_SCRIPT, json.dumps(argv)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    loaded: dict[str, object] = json.loads(out)
    return loaded


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "deals.csv"], "import"),
        (["--db", "sqlite:///x.db", "kpis", "--by", "rep"], "kpis"),
        (["--db=sqlite:///x.db", "forecast", "call", "list"], "forecast"),
        (["--help"], None),
        (["--version"], None),
        ([], None),
        (["--db", "sqlite:///x.db"], None),
    ],
)
def test_the_command_is_read_past_the_global_options(argv: list[str], expected: str | None) -> None:
    assert command_name(argv) == expected


def test_unknown_commands_and_help_load_every_module() -> None:
    assert modules_for(["no-such-command"]) == COMMAND_MODULES
    assert modules_for(["--help"]) == COMMAND_MODULES
    assert modules_for(None) == COMMAND_MODULES
    assert modules_for(["serve"]) == ("serve",)


def test_each_command_is_whole_when_loaded_alone() -> None:
    full = _load(None)
    full_tree = full["tree"]
    assert isinstance(full_tree, dict)
    assert set(full_tree) == set(COMMANDS), "every top-level command needs its COMMANDS entry"
    by_modules: dict[tuple[str, ...], list[str]] = {}
    for name, modules in COMMANDS.items():
        by_modules.setdefault(modules, []).append(name)
    for names in by_modules.values():
        alone = _load([names[0]])
        tree = alone["tree"]
        assert isinstance(tree, dict)
        for name in names:
            assert tree.get(name) == full_tree[name], f"coxswain {name} lost sub-commands"
        if names[0] in {"report", "kpis"}:
            assert alone["forecast_report_section"] is True
    importing = _load(["import", "deals.csv"])
    assert importing["heavy"] == []  # the importer runs without the analytics engine or web
    assert full["heavy"] != []
