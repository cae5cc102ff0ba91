"""The ``coxswain`` command: global options and the registry of sub-commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape

from coxswain import __version__
from coxswain.cli.context import CliState, err_console
from coxswain.core.errors import CoxswainError

app = typer.Typer(
    name="coxswain",
    help="Coxswain: sales operations: pipeline, leads, forecasting, analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coxswain {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (sqlite:///file.db or postgresql://user@host/db). "
            "Default: $COXSWAIN_DATABASE_URL or a SQLite file in the user data directory.",
            envvar="COXSWAIN_DATABASE_URL",
        ),
    ] = None,
    version: Annotated[  # noqa: ARG001
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = CliState(database_url=db)


def _register(argv: Sequence[str] | None = None) -> None:
    """Import the command modules; each adds its commands to ``app``. Given the command line,
    only the modules of the command it names (all of them without one)."""
    from coxswain.cli import commands

    commands.load(argv)


def run() -> None:
    """Console entry point: a user's mistake prints one line and exits 1, never a traceback."""
    if sys.argv[1:] == ["--version"]:  # answer at once, before loading every command module
        typer.echo(f"coxswain {__version__}")
        sys.exit(0)
    _register(sys.argv[1:])
    try:
        app(standalone_mode=False)
    except CoxswainError as exc:
        err_console.print(
            f"[bold red]error[/] {escape(f'[{exc.code}]')} {escape(str(exc))}",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
