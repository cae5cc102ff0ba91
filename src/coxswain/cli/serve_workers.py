"""``coxswain serve --workers N``: N uvicorn processes, each accepting on its own socket.

uvicorn's own multi-process mode binds one listening socket and shares it among the workers.
The worker that wakes first on a burst of new connections accepts every one pending (asyncio
accepts up to the backlog per wake-up), so the keep-alive connections of a browser, a proxy or
a load tool tend to land on one worker while the other idles: at 20 connections
(``bench/bench_web.py``) one worker often served all of them on a single core (5.2 against
0.02 CPU seconds) and the list endpoints reached half the throughput of a balanced run.

Here every worker binds its own socket to the same address with ``SO_REUSEPORT``; Linux then
spreads new connections over the workers by a hash of the client's address and port. The
supervisor replaces a worker that dies while serving, stops everything when one cannot start
(address in use, database unreachable), and stops the workers on SIGINT or SIGTERM.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from types import FrameType

import uvicorn

APP_FACTORY = "coxswain.web.server:app_from_env"
STARTUP_FAILURE = 3
"""Exit code of a worker that could not start serving (as uvicorn's)."""
POLL_S = 0.5


def reuse_port_supported() -> bool:
    """Whether this platform lets several sockets listen on one address (Linux, BSDs)."""
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with ``SO_REUSEPORT`` (uvicorn calls ``listen``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_worker(host: str, port: int, ready: Event) -> None:
    """One worker process: its own socket, the app from ``COXSWAIN_DATABASE_URL``."""
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        print(f"coxswain serve: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    config = uvicorn.Config(
        APP_FACTORY, factory=True, host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)

    def report_ready() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()

    threading.Thread(target=report_ready, daemon=True).start()
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Workers:
    """The supervisor: starts ``count`` workers and keeps them running until told to stop."""

    def __init__(self, host: str, port: int, count: int) -> None:
        self.host, self.port, self.count = host, port, count
        self.context = multiprocessing.get_context("spawn")
        self.stopping = threading.Event()
        self.failed = False

    def start_one(self) -> tuple[BaseProcess, Event]:
        ready = self.context.Event()
        process = self.context.Process(
            target=run_worker, args=(self.host, self.port, ready), name="coxswain-worker"
        )
        process.start()
        return process, ready

    def stop(self, _signum: int = 0, _frame: FrameType | None = None) -> None:
        self.stopping.set()

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; returns the exit code (1 when a worker failed to start)."""
        for name in ("SIGINT", "SIGTERM"):
            signal.signal(getattr(signal, name), self.stop)
        workers = [self.start_one() for _ in range(self.count)]
        try:
            while not self.stopping.wait(POLL_S):
                workers = [self._checked(process, ready) for process, ready in workers]
        finally:
            for process, _ready in workers:
                if process.exitcode is None:
                    process.terminate()
            for process, _ready in workers:
                process.join()
        return 1 if self.failed else 0

    def _checked(self, process: BaseProcess, ready: Event) -> tuple[BaseProcess, Event]:
        """The worker itself while it runs; a replacement when it died after it had started;
        when it never started (it would fail the same way again), stop everything."""
        if process.exitcode is None or self.stopping.is_set():
            return process, ready
        if process.exitcode == STARTUP_FAILURE or not ready.is_set():
            self.failed = True
            self.stopping.set()
            return process, ready
        print(
            f"coxswain serve: worker {process.pid} exited ({process.exitcode}); restarting it",
            file=sys.stderr,
        )
        return self.start_one()


def serve_workers(database_url: str, *, host: str, port: int, workers: int) -> int:
    """Serve the app with ``workers`` processes on ``host:port`` until interrupted."""
    os.environ["COXSWAIN_DATABASE_URL"] = database_url
    return Workers(host, port, workers).run()
