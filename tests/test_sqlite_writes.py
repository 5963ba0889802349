"""SQLite: work that writes takes the write lock when it begins, so another process's commit cannot fail it."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from traceability import db

from .conftest import database_url, scratch_database_url


@pytest.mark.no_db
@pytest.mark.skipif(not database_url().startswith("sqlite"), reason="SQLite's locking only")
def test_a_write_that_read_first_fails_without_the_intent_and_waits_its_turn_with_it():
    engine = db.make_engine(scratch_database_url("_writes"), connect_args={"timeout": 0.5})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    try:
        with engine.connect() as mine, engine.connect() as other:
            # read, another connection commits (scans being written), then write: fails at once
            with mine.begin():
                mine.execute(text("SELECT count(*) FROM notes")).scalar()
                with other.begin():
                    other.execute(text("INSERT INTO notes (body) VALUES ('scan')"))
                with pytest.raises(OperationalError, match="database is locked"):
                    mine.execute(text("INSERT INTO notes (body) VALUES ('form')"))

            # declared: the lock is taken at the start, so the other writer is the one that waits
            token = db.write_intent.set(True)
            try:
                with mine.begin():
                    mine.execute(text("SELECT count(*) FROM notes")).scalar()
                    with pytest.raises(OperationalError, match="database is locked"):
                        other.execute(text("INSERT INTO notes (body) VALUES ('scan')"))
                    other.rollback()
                    mine.execute(text("INSERT INTO notes (body) VALUES ('form')"))
            finally:
                db.write_intent.reset(token)
            assert mine.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all() == ["scan", "form"]
    finally:
        engine.dispose()


def test_a_request_that_sends_a_form_declares_its_writes_and_a_page_read_does_not(app, client, monkeypatch):
    seen = []
    view = app.view_functions["accounts.login"]

    @functools.wraps(view)  # keeps the route's access rule
    def watching(**kwargs):
        seen.append(db.write_intent.get())
        return view(**kwargs)

    monkeypatch.setitem(app.view_functions, "accounts.login", watching)
    client.get("/login")
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong"})
    assert seen == [False, True]
    assert db.write_intent.get() is False  # and it ends with the request
