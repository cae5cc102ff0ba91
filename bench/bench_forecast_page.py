"""Time the web forecast page cold and warm, and its backtest fragment, in-process.

Run: ``uv run python bench/bench_forecast_page.py sqlite:///path/demo.db``
after ``coxswain --db sqlite:///path/demo.db demo --no-serve`` (8,000 deals).

Builds the app on the database (a fresh process, so every cache is cold), logs in as the
demo admin with a browser session (``TestClient``: no network) and prints, in order:
the first ``GET /forecast`` (cold: what a user waits for before anything draws), the
same page again (warm, cached), then ``GET /forecast/backtest`` (the method-comparison
fragment the page loads after it draws; 404 on versions without it) cold and warm.
"""

from __future__ import annotations

import argparse
import re
import time

from fastapi.testclient import TestClient

from coxswain.db.engine import make_engine
from coxswain.web.server import create_app

EMAIL = "admin@demo.coxswain.dev"
PASSWORD = "coxswain-demo"
QUERY = "?period_kind=quarter&method=ensemble"


def login(client: TestClient) -> None:
    form = client.get("/login").text
    token = re.search(r'name="login_csrf" value="([^"]+)"', form)
    assert token is not None, "no login form"
    answer = client.post(
        "/login",
        data={"username": EMAIL, "password": PASSWORD, "login_csrf": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert "cx_session" in client.cookies, f"login failed ({answer.status_code})"


def timed(client: TestClient, path: str, label: str) -> str:
    started = time.perf_counter()
    answer = client.get(path)
    took = (time.perf_counter() - started) * 1000
    print(f"| {label} | {answer.status_code} | {took:,.0f} |")
    return answer.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL, e.g. sqlite:////tmp/demo.db")
    args = parser.parse_args()
    app = create_app(make_engine(args.url))
    with TestClient(app) as client:
        login(client)
        print("| request (admin, quarter, ensemble) | status | ms |\n|---|---:|---:|")
        timed(client, "/forecast" + QUERY, "forecast page, cold")
        timed(client, "/forecast" + QUERY, "forecast page, warm")
        fragment = timed(client, "/forecast/backtest" + QUERY, "backtest fragment, first request")
        timed(client, "/forecast/backtest" + QUERY, "backtest fragment, warm")
    best = re.search(r"<td>([^<]+) <span class=\"badge\">most accurate", fragment)
    print(f"\nmost accurate method in the fragment: {best.group(1) if best else 'none'}")


if __name__ == "__main__":
    main()
