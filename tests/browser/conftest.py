"""Browser tests: Debian's chromium driven by Playwright, against the app served by gunicorn.

The server runs in its own process on its own database (migrated, demo loaded), so what the browser does is
committed for real. Tests prepare extra state through `live_db`, a session on that same database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from traceability import db

from ..live_server import LiveServer, demo_database, start_server

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


@pytest.fixture(scope="session")
def live_server(smtp_sink) -> Iterator[LiveServer]:
    env = {
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_SERVER": "127.0.0.1",  # the loopback SMTP server tests read (tests/mailsink.py)
        "MAIL_PORT": str(smtp_sink.port),
    }
    db_url, engine = demo_database("_live", env)
    server = start_server(db_url, engine, "live-server", env)
    # the worker beside the server, as `make run` starts it: it sends the mail
    with open(server.log_path, "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "traceability.cli", "worker", "--threads", "1"],
            env=server.env,
            stdout=log,
            stderr=log,
        )
    yield server
    worker.terminate()
    server.stop(timeout=30)  # its workers write their last scans first, which takes a while on a loaded machine
    worker.wait(timeout=20)
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
