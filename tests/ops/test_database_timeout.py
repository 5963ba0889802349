"""A database host that takes the connection but never answers: requests fail in seconds with the 503 answer
(DB_CONNECT_TIMEOUT), instead of hanging until the proxy gives up. Loopback only: a socket server of the test's
own that accepts TCP connections and says nothing."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from sqlalchemy.exc import OperationalError

from traceability import create_app, db


@pytest.fixture
def silent_database():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # kept open, never read nor written
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"postgresql://traceability@127.0.0.1:{server.getsockname()[1]}/traceability"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def _within(seconds: float, fn):
    """fn's result, or None if it had not returned after `seconds`."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    return result[0] if result else None


@pytest.mark.no_db
def test_an_unanswering_database_gives_the_503_answer_in_seconds(silent_database, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    bound = db.session.session_factory.kw.get("bind")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": silent_database,
            "DB_CONNECT_TIMEOUT": 2,
            "PAGE_CACHE_SIZE": 0,
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        client = app.test_client()
        login = {"email": "someone@example.com", "password": "correct horse battery"}
        answer = _within(30, lambda: client.post("/api/v1/auth/tokens", json=login, headers={"Accept-Language": "en"}))
        assert answer is not None, "the request was still waiting for the database after 30 s"
        assert answer.status_code == 503 and "Retry-After" in answer.headers
        assert "unavailable" in answer.get_json()["message"]
        page = _within(30, lambda: client.post("/login", data=login, headers={"Accept-Language": "en"}))
        assert page is not None and page.status_code == 503
        assert "briefly unavailable" in page.get_data(as_text=True)
    finally:
        app.extensions["engine"].dispose()
        db.bind(bound)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's own timeouts")
def test_statement_and_lock_timeouts_end_a_statement_on_postgresql(app, engine):
    limited = db.make_engine(
        engine.url.render_as_string(hide_password=False), connect_timeout=3, statement_timeout=0.5, lock_timeout=0.25
    )
    try:
        with limited.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "250ms"
            with pytest.raises(OperationalError) as stopped:
                conn.exec_driver_sql("SELECT pg_sleep(3)")
            assert stopped.value.orig.pgcode == "57014"  # the 503 answer's "try again soon" (errors.py)
    finally:
        limited.dispose()
