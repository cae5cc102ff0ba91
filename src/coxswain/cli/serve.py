"""``coxswain serve``: the web app and the REST API (docs at /docs)."""

from __future__ import annotations

from typing import Annotated

import typer

from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes.")] = 1,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in a browser.")
    ] = False,
) -> None:
    """Serve the web app and the REST API until interrupted (Ctrl+C)."""
    from coxswain.web.server import serve as run_server

    ready_engine(state(ctx))
    console.print(
        f"Coxswain on http://{host}:{port}/  (API docs: /docs) · database {state(ctx).url}",
        highlight=False,
    )
    run_server(state(ctx).url, host=host, port=port, open_browser=open_browser, workers=workers)
