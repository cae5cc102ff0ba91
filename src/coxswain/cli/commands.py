"""Imports the command modules so their ``@app.command`` decorators run.

Each domain owns one command module; a module listed here that does not exist yet is skipped
(a domain being built), but one that exists and fails to import is an error.

``coxswain import FILE`` needs neither the analytics engine nor the web server: when the
command line names a top-level command, only the modules that define it are loaded
(:data:`COMMANDS`), which saves ~120 MB of memory and seconds of start-up for every command;
``coxswain --help`` and anything not recognised load them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

COMMAND_MODULES = (
    "database",
    "imports",
    "exports",
    "generate",
    "demo",
    "analytics",
    "routing",
    "leads",
    "forecasting",
    "forecast_calls",
    "scoring",
    "users",
    "serve",
    "records",
)


# Top-level command -> the modules that define it or add to it. The analytics commands load
# the forecasting module too: it adds the forecast section to reports.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("database",),
    "db": ("database",),
    "import": ("imports",),
    "export": ("exports",),
    "generate": ("generate",),
    "demo": ("demo",),
    "kpis": ("analytics", "forecasting"),
    "report": ("analytics", "forecasting"),
    "targets": ("analytics", "forecasting"),
    "analytics": ("analytics", "forecasting"),
    "route": ("routing",),
    "leads": ("leads",),
    "forecast": ("forecasting", "forecast_calls", "scoring"),
    "score": ("scoring",),
    "users": ("users",),
    "serve": ("serve",),
    "summary": ("records",),
    "list": ("records",),
    "history": ("records",),
    "import-runs": ("records",),
}

# Global options of ``coxswain`` that take a value (see cli/main.py).
_VALUE_OPTIONS = ("--db",)


def command_name(argv: Sequence[str]) -> str | None:
    """The top-level command ``argv`` (without the program name) invokes, or None when it
    names none or asks for help before naming one."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _VALUE_OPTIONS:
            skip = True
        elif token.startswith("-"):
            if token.split("=", 1)[0] not in _VALUE_OPTIONS:
                return None  # --help, --version or an unknown option: load everything
        else:
            return token
    return None


def modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The command modules to load for ``argv``; all of them when ``argv`` is None."""
    if argv is None:
        return COMMAND_MODULES
    name = command_name(argv)
    return COMMANDS.get(name, COMMAND_MODULES) if name else COMMAND_MODULES


def load(argv: Sequence[str] | None = None) -> None:
    for name in modules_for(argv):
        module = f"coxswain.cli.{name}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module != missing and not module.startswith(missing + "."):
                raise
