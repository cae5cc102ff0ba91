"""``coxswain serve``: the web app and the REST API (docs at /docs)."""

from __future__ import annotations

import threading
import webbrowser
from typing import Annotated

import typer

from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.core.errors import ConfigurationError


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
    """Serve the web app and the REST API until interrupted (Ctrl+C).

    With ``--workers`` above 1, each worker process listens on its own socket
    (``SO_REUSEPORT``, see :mod:`coxswain.cli.serve_workers`) where the platform allows it."""
    from coxswain.cli.serve_workers import reuse_port_supported, serve_workers
    from coxswain.web.server import serve as run_server

    ready_engine(state(ctx))
    console.print(
        f"Coxswain on http://{host}:{port}/  (API docs: /docs) · database {state(ctx).url}",
        highlight=False,
    )
    if workers > 1 and reuse_port_supported():
        if open_browser:
            url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
            threading.Timer(1.5, webbrowser.open, args=(url,)).start()
        if serve_workers(state(ctx).url, host=host, port=port, workers=workers):
            raise ConfigurationError(f"the server could not start on {host}:{port}")
        return
    run_server(state(ctx).url, host=host, port=port, open_browser=open_browser, workers=workers)
