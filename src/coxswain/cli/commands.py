"""Imports every command module so their ``@app.command`` decorators run.

Each domain owns one command module; a module listed here that does not exist yet is skipped
(a domain being built), but one that exists and fails to import is an error.
"""

from __future__ import annotations

import importlib

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


def load() -> None:
    for name in COMMAND_MODULES:
        module = f"coxswain.cli.{name}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module != missing and not module.startswith(missing + "."):
                raise


load()
