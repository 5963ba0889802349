"""The registry served for real, for tests that need what only a running server shows: gunicorn worker
processes, several app servers on one database, a process killed outright, a private Redis.

Every server listens on a free loopback port and runs in a process group of its own, so a test can kill its
master and workers at once (`LiveServer.kill`), as a crash would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from traceability import db, migrate

from .conftest import _RUN_DIR, scratch_database_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_database(suffix: str, env: dict[str, str] | None = None) -> tuple[str, Any]:
    """A scratch database, migrated, with the demo data: (its URL, an engine on it)."""
    url = scratch_database_url(suffix)
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    environment = {**os.environ, **(env or {}), "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "traceability.cli", "demo"], env=environment, check=True, capture_output=True)
    return url, engine


@dataclass
class LiveServer:
    url: str
    db_url: str
    engine: Any
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False, default_factory=dict)

    def stop(self, timeout: float = 30) -> None:
        """A graceful stop: the workers write the scans they hold first, which takes a while on a loaded machine."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: nothing runs at exit."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def start_server(
    db_url: str, engine: Any, name: str, env: dict[str, str] | None = None, workers: int = 2
) -> LiveServer:
    """gunicorn serving the registry on `db_url`, started and answering; its log is in the run's folder."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(Path(_RUN_DIR) / f"{name}-instance"),
        "PUBLIC_BASE_URL": url,
        "SECRET_KEY": "live-tests-only",
        **(env or {}),
    }
    log_path = Path(_RUN_DIR) / f"{name}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--no-control-socket",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "traceability.wsgi:app",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own: `kill` reaches the workers too
        )
    server = LiveServer(url, db_url, engine, process, log_path, environment)
    deadline = time.monotonic() + 120  # each worker imports the app first: tens of seconds on a loaded machine
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=15)  # noqa: S310  (loopback only)
            return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the app server did not start; see {log_path}")
            time.sleep(0.2)


@contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """A Redis server of the test's own on a free loopback port (scripts/ensure-system-packages.sh installs
    it): its URL. Nothing another test or program keeps in Redis is touched."""
    import redis

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"the private Redis server did not start on port {port}")
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)
