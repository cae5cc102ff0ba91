"""Browser tests: the real app under uvicorn on a free port, driven by Debian's Chromium.

The server runs in a background thread against a migrated SQLite file with the test org
(``tests/api/org.py``). Playwright launches ``/usr/bin/chromium`` (never a downloaded browser);
tests are skipped with a clear reason when it is missing, except under CI where that fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from coxswain.core.clock import Clock
from coxswain.db.engine import make_engine
from coxswain.web.server import create_app
from tests.api.org import Org, build_org

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOTS = Path(__file__).parent / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(
        self, engine: Engine, org: Org, upload_dir: Path, clock: Clock | None = None
    ) -> None:
        self.engine = engine
        self.org = org
        self.port = _free_port()
        app = create_app(engine, clock=clock, upload_dir=upload_dir)
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        # A report refreshed in the background must not outlive the test's database.
        results = getattr(self.app.state.analytics, "results", None)
        if results is not None:
            results.wait_for_refreshes()


@pytest.fixture(scope="module")
def live_server(
    template_databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web")
    database = folder / "web.db"
    shutil.copyfile(template_databases["sqlite"], database)
    engine = make_engine(f"sqlite:///{database}")
    org = build_org(engine)
    with LiveServer(engine, org, folder / "uploads") as server:
        yield server
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} missing: install Debian's chromium package (.ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
