"""What every command needs: the database URL chosen by ``--db`` or the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console
from sqlalchemy import Engine

from coxswain.core.settings import get_settings
from coxswain.db.engine import make_engine


@dataclass
class CliState:
    database_url: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.database_url or get_settings().database_url

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


console = Console()
err_console = Console(stderr=True)
