"""``coxswain serve --workers 2`` as a real server: each worker has its own listening socket, so
a burst of keep-alive connections is spread over both workers instead of landing on one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psutil
import pytest

CONNECTIONS = 32
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing; reads /proc"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "coxswain", "--db", database_url, "serve"]
    command += ["--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _listening_sockets(worker: psutil.Process, port: int) -> set[str]:
    """The kernel identities (``socket:[inode]``) of the sockets ``worker`` listens on."""
    return {
        os.readlink(f"/proc/{worker.pid}/fd/{connection.fd}")
        for connection in worker.net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
    }


@contextmanager
def _server(database_url: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The server on a free port, once both workers listen and answer."""
    port = _free_port()
    process = _serve(database_url, port)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else b""
            assert time.monotonic() < deadline, "the server did not start"
            workers = _worker_processes(process)
            if len(workers) == 2 and all(_listening_sockets(w, port) for w in workers):
                break
            time.sleep(0.2)
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).raise_for_status()
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _worker_processes(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    workers = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:  # exited in between
            continue
    return workers


def _established_to(worker: psutil.Process, port: int) -> int:
    return sum(
        1
        for connection in worker.net_connections(kind="tcp")
        if connection.status == psutil.CONN_ESTABLISHED
        and connection.laddr
        and connection.laddr.port == port
    )


def test_two_workers_share_a_burst_of_connections(database_url: str) -> None:
    with _server(database_url) as (process, port):
        workers = _worker_processes(process)
        assert len(workers) == 2
        # Each worker listens on a socket of its own (uvicorn's workers share one, and the
        # first to wake takes a whole burst of connections).
        first, second = (_listening_sockets(worker, port) for worker in workers)
        assert len(first) == 1
        assert len(second) == 1
        assert first != second
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
        try:
            deadline = time.monotonic() + 10
            counts = [_established_to(worker, port) for worker in workers]
            while sum(counts) < CONNECTIONS and time.monotonic() < deadline:
                time.sleep(0.05)
                counts = [_established_to(worker, port) for worker in workers]
            assert sum(counts) == CONNECTIONS, counts
            # By a hash of the client port, each worker gets about half; fewer than 4 of 32
            # on one worker has a probability of about 1e-6 with two sockets, and is what a
            # single shared socket gives (the first worker to wake accepts every one).
            assert min(counts) >= 4, counts
            for client in clients[:4]:  # and both answer on their connections
                client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert client.recv(64).startswith(b"HTTP/1.1 200")
        finally:
            for client in clients:
                client.close()
    assert process.returncode == 0
    assert all(not worker.is_running() or worker.status() == "zombie" for worker in workers)


def test_a_worker_that_dies_is_replaced(database_url: str) -> None:
    with _server(database_url) as (process, port):
        first, second = _worker_processes(process)
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = _worker_processes(process)
            if len(workers) == 2 and first.pid not in {w.pid for w in workers}:
                break
            time.sleep(0.2)
        assert len(workers) == 2
        assert second.pid in {w.pid for w in workers}
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_address_in_use_stops_the_server(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = _serve(database_url, port)
        try:
            _, stderr = process.communicate(timeout=90)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode != 0
        assert b"cannot listen on 127.0.0.1" in stderr
