"""Browser tests: Debian's chromium driven by Playwright, against the app served by gunicorn.

The server runs in its own process on its own database (migrated, demo loaded), so what the browser does is
committed for real. Tests prepare extra state through `live_db`, a session on that same database.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from traceability import db, migrate

from ..conftest import _RUN_DIR, scratch_database_url

ARTIFACTS = Path(__file__).resolve().parent.parent / "_artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


@dataclass
class LiveServer:
    url: str
    db_url: str
    engine: Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(smtp_sink) -> Iterator[LiveServer]:
    db_url = scratch_database_url("_live")
    engine = db.make_engine(db_url)
    migrate.upgrade(engine)
    port = _free_port()
    instance = Path(_RUN_DIR) / "live-instance"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(instance),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": "live-tests-only",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_SERVER": "127.0.0.1",  # the loopback SMTP server tests read (tests/mailsink.py)
        "MAIL_PORT": str(smtp_sink.port),
    }
    subprocess.run([sys.executable, "-m", "traceability.cli", "demo"], env=env, check=True, capture_output=True)
    log = open(Path(_RUN_DIR) / "live-server.log", "wb")  # noqa: SIM115  (open while the server runs)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "traceability.wsgi:app",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # the worker beside the server, as `make run` starts it: it sends the mail
    worker = subprocess.Popen(
        [sys.executable, "-m", "traceability.cli", "worker", "--threads", "1"], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # two workers importing the app on a loaded machine take a while
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)  # noqa: S310  (loopback only)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the app server did not start; see " + log.name)
            time.sleep(0.2)
    yield LiveServer(url=url, db_url=db_url, engine=engine)
    server.terminate()
    worker.terminate()
    server.wait(timeout=30)  # its workers write their last scans first, which takes a while on a loaded machine
    worker.wait(timeout=20)
    log.close()
    engine.dispose()


@pytest.fixture
def live_db(live_server: LiveServer) -> Iterator[Session]:
    """A session on the live server's database; commit to make changes visible to the server.

    Like the app's form requests, its transactions take SQLite's write lock when they begin (`db.write_intent`):
    the server writes scans in the background, which would fail a transaction that read before writing. So
    commit or roll back before the browser sends a form, or the server waits for the test.
    """
    writes = db.write_intent.set(True)
    session = Session(bind=live_server.engine, expire_on_commit=False)
    yield session
    session.close()
    db.write_intent.reset(writes)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-system-packages.sh).")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A phone-sized page in Vietnamese that may only talk to the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 360, "height": 740},
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(10_000)
    outside: list[str] = []

    def _only_loopback(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in {"127.0.0.1", "localhost"} or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", _only_loopback)
    page = context.new_page()
    yield page
    context.close()
    assert not outside, f"the page tried to reach other hosts: {outside}"


def screenshot(page: Any, name: str) -> Path:
    """Save what the user sees, for people to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form button[type=submit]")
