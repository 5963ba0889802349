"""Two writers inserting scans of the same unit codes at once: each scan is counted, each client once.

In a database of its own (PostgreSQL when TEST_DATABASE_URL is set): the second writer must see what the first
committed, which the usual rolled-back test transaction would hide.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.codes.models import Code, CodeKind
from traceability.demo import load_demo

from ..conftest import reset_postgres, scratch_database_url

pytestmark = pytest.mark.no_db
_INSERT = text(
    "INSERT INTO scans (code_id, scanned_at, client_hash) VALUES (:a, :at, :client_a), (:b, :at, :client_b)"
)


def _counts(engine, ids):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code_id, scan_count, client_count FROM scan_counts WHERE code_id IN (:a, :b)"),
            {"a": ids[0], "b": ids[1]},
        )
        return {code_id: (scans, clients) for code_id, scans, clients in rows}


def test_a_client_scanning_through_two_writers_at_once_is_counted_once():
    engine = db.make_engine(scratch_database_url("_scan_counts"))
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_demo(session)
        session.commit()
        first, second = session.scalars(select(Code.id).where(Code.kind == CodeKind.SERIAL).limit(2)).all()
    before = _counts(engine, (first, second))
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None) if engine.dialect.name == "sqlite" else dt.datetime.now(dt.UTC)
    done = threading.Event()

    def second_writer():
        with engine.begin() as two:
            two.execute(_INSERT, {"a": second, "b": first, "at": at, "client_a": "phone-z", "client_b": "phone-x"})
        done.set()

    # a daemon: a writer still waiting when the test fails must not keep the test run from ending
    thread = threading.Thread(target=second_writer, daemon=True)
    with engine.begin() as one:
        # the first writer: a new client on the first code, another on the second
        one.execute(_INSERT, {"a": first, "b": second, "at": at, "client_a": "phone-x", "client_b": "phone-y"})
        # the second writer, in the other order: the same new client on the first code, a third on the second
        thread.start()
        assert not done.wait(0.5)  # it waits for the first writer's transaction
    thread.join(10)
    assert done.is_set()
    after = _counts(engine, (first, second))
    grown = {code: tuple(a - b for a, b in zip(after[code], before.get(code, (0, 0)), strict=True)) for code in after}
    # two scans each; phone-x counted once on the first code, phone-y and phone-z on the second
    assert grown == {first: (2, 1), second: (2, 2)}
    engine.dispose()
