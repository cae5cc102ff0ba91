"""Load-test the web app and the REST API on a large PostgreSQL database (see bench_web_seed.py).

Usage: ``uv run python bench/bench_web.py [--db coxswain_bench_web] [--seconds 20] [--clients 20]``

Starts ``coxswain serve --workers 2`` on a free loopback port, logs in as an admin, a manager and
a rep (bearer tokens for the API, a cookie session for the dashboard), warms each URL with
``--clients`` concurrent requests (so that every worker process has its caches), then
drives each URL with ``wrk`` at ``--clients`` concurrent connections for ``--seconds`` and
prints p50/p95/p99 latency, throughput, and the CPU the server workers (``srv_cpu_ms``) and
PostgreSQL (``pg_cpu_ms``, every ``postgres`` process of the machine) spent per request: on a
shared two-core machine the CPU per request is the figure that does not depend on the load.
Traffic goes to 127.0.0.1 only, and each run stops by itself.

Each URL is driven by ``wrk`` and then by ``hey`` (``--tools wrk,hey``; Debian packages:
``apt-get install -y wrk hey``), and each line ends with ``little=``: by Little's law, with a
fixed number of connections each waiting for its answer, mean latency × throughput ÷
connections is 1.00 when the tool's figures agree with each other. On this two-core machine,
with both server workers busy, ``wrk`` 4.1's latencies do not (``little`` of 1.3–4.0 against
0.98–1.00 for ``hey`` in the same minute): see docs/benchmarks/web.md. ``--only dashboard``
runs the URLs whose label contains that text. Run it under ``flock /tmp/coxswain-bench.lock`` on a
shared machine, so that benchmarks never overlap. To measure an older version of the code,
export its ``src/`` (``git archive <commit> src | tar -x -C /tmp/old``) and run with
``PYTHONPATH=/tmp/old/src`` (the server processes inherit it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

PASSWORD = "bench-password-1"
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.status + e.connect + e.read + e.timeout
  io.write(string.format(
    "RESULT p50=%.1f p95=%.1f p99=%.1f mean=%.1f rps=%.1f requests=%d errors=%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, summary.requests / (summary.duration / 1e6), summary.requests, errors))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "coxswain",
        "--db",
        url,
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(360):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not start")


def token(base: str, email: str) -> str:
    answer = httpx.post(f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def cookie(base: str, email: str) -> str:
    with httpx.Client(base_url=base) as client:
        form = client.get("/login").text
        login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form)
        assert login_csrf is not None
        client.post(
            "/login",
            data={
                "username": email,
                "password": PASSWORD,
                "login_csrf": login_csrf.group(1),
                "next": "/",
            },
        )
        return f"cx_session={client.cookies['cx_session']}"


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of ``processes`` (those that have exited count 0)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def postgres_cpu() -> dict[int, float]:
    """CPU seconds per ``postgres`` process now (backends come and go with the pools)."""
    found: dict[int, float] = {}
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            found[process.pid] = times.user + times.system
    return found


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds spent by ``postgres`` processes since ``before`` (a backend that exited in
    between is not counted: the figure is a lower bound)."""
    return sum(max(0.0, now - before.get(pid, 0.0)) for pid, now in postgres_cpu().items())


def run_wrk(url: str, header: str, seconds: int, clients: int, script: Path) -> str:
    threads = "2"
    result = subprocess.run(
        [
            "wrk",
            "-t",
            threads,
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            "-H",
            header,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT"))
    return line.removeprefix("RESULT ")


def run_hey(url: str, header: str, seconds: int, clients: int) -> str:
    """The same load with ``hey`` (Go; keep-alive connections, one request in flight each)."""
    result = subprocess.run(
        ["hey", "-z", f"{seconds}s", "-c", str(clients), "-t", "10", "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout

    def seconds_of(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else float("nan")

    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    requests = sum(codes.values())
    failed = sum(n for c, n in codes.items() if c >= 400)
    failed += sum(int(n) for n in re.findall(r"\[(\d+)\]\s+Get ", out))
    p50, p95, p99 = (seconds_of(rf"{q}% in ([0-9.]+) secs") * 1000 for q in (50, 95, 99))
    mean = seconds_of(r"Average:\s+([0-9.]+) secs") * 1000
    rps = seconds_of(r"Requests/sec:\s+([0-9.]+)")
    return (
        f"p50={p50:.1f} p95={p95:.1f} p99={p99:.1f} mean={mean:.1f} rps={rps:.1f}"
        f" requests={requests} errors={failed}"
    )


def little(result: str, clients: int) -> float:
    """Mean latency × throughput ÷ connections: 1.00 when a closed-loop tool's figures agree."""
    mean = float(re.search(r"mean=([0-9.na]+)", result).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"rps=([0-9.na]+)", result).group(1))  # type: ignore[union-attr]
    return mean / 1000 * rps / clients


def warm_up(url: str, header: str, clients: int) -> float:
    """``clients`` concurrent requests, so that every server worker (not just the one that
    takes the first connection) has computed what it caches before ``wrk`` starts; returns
    the wall seconds they took (the cold cost of a cached report)."""
    name, value = header.split(": ", 1)

    def get(_: int) -> int:
        return httpx.get(url, headers={name: value}, timeout=600).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = set(pool.map(get, range(clients)))
    assert statuses == {200}, (url, statuses)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="coxswain_bench_web")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="run the URLs whose label contains this")
    parser.add_argument("--tools", default="wrk,hey", help="load tools, in order: wrk, hey")
    args = parser.parse_args()
    tools = [t for t in args.tools.split(",") if t]
    for tool in tools:
        if tool not in ("wrk", "hey"):
            raise SystemExit(f"--tools: unknown load tool {tool!r} (expected wrk or hey)")
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install -y {tool} (the Debian package)")
    url = f"postgresql://postgres@127.0.0.1:5432/{args.db}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers)
    try:
        tokens = {who: token(base, f"{who}@bench.example") for who in ("admin", "manager1", "rep1")}
        session_cookie = {
            who: cookie(base, f"{who}@bench.example") for who in ("admin", "manager1", "rep1")
        }
        targets = [
            ("dashboard page (admin, 1M deals)", "/", f"Cookie: {session_cookie['admin']}"),
            ("dashboard page (manager, 10 reps)", "/", f"Cookie: {session_cookie['manager1']}"),
            ("dashboard page (rep)", "/", f"Cookie: {session_cookie['rep1']}"),
            (
                "GET /api/v1/kpis (admin)",
                "/api/v1/kpis",
                f"Authorization: Bearer {tokens['admin']}",
            ),
            ("GET /api/v1/kpis (rep)", "/api/v1/kpis", f"Authorization: Bearer {tokens['rep1']}"),
            (
                "GET /api/v1/opportunities (admin)",
                "/api/v1/opportunities?limit=50",
                f"Authorization: Bearer {tokens['admin']}",
            ),
            (
                "GET /api/v1/opportunities (manager)",
                "/api/v1/opportunities?limit=50",
                f"Authorization: Bearer {tokens['manager1']}",
            ),
            (
                "GET /api/v1/opportunities (rep)",
                "/api/v1/opportunities?limit=50",
                f"Authorization: Bearer {tokens['rep1']}",
            ),
            (
                "GET /api/v1/opportunities?status=open&sort=expected_close_on (admin)",
                "/api/v1/opportunities?limit=50&status=open&sort=expected_close_on",
                f"Authorization: Bearer {tokens['admin']}",
            ),
            (
                "GET /api/v1/accounts (admin)",
                "/api/v1/accounts?limit=50",
                f"Authorization: Bearer {tokens['admin']}",
            ),
            (
                "GET /api/v1/users (admin)",
                "/api/v1/users?limit=50",
                f"Authorization: Bearer {tokens['admin']}",
            ),
        ]
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "report.lua"
            script.write_text(LUA)
            print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()}")
            print(
                f"{args.clients} concurrent clients, {args.seconds} s per URL, "
                f"{args.workers} server workers"
            )
            # The serving processes: the workers, and the server process itself (it serves
            # alone with --workers 1; as the supervisor of several it idles).
            main_process = psutil.Process(server.pid)
            workers = [main_process, *main_process.children(recursive=True)]
            for label, path, header in targets:
                if args.only not in label:
                    continue
                warm_seconds = warm_up(base + path, header, args.clients)
                for tool in tools:
                    server_before, pg_before = cpu_seconds(workers), postgres_cpu()
                    if tool == "wrk":
                        result = run_wrk(base + path, header, args.seconds, args.clients, script)
                    else:
                        result = run_hey(base + path, header, args.seconds, args.clients)
                    requests = int(re.search(r"requests=(\d+)", result).group(1))  # type: ignore[union-attr]
                    server_ms = (cpu_seconds(workers) - server_before) * 1000 / max(requests, 1)
                    pg_ms = postgres_cpu_since(pg_before) * 1000 / max(requests, 1)
                    print(
                        f"{label:62} {tool} {result} srv_cpu_ms={server_ms:.2f} "
                        f"pg_cpu_ms={pg_ms:.2f} warm_s={warm_seconds:.1f} "
                        f"little={little(result, args.clients):.2f}",
                        flush=True,
                    )
            print(f"load average after: {os.getloadavg()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
