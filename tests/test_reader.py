"""The page cache's reading connections (`db.Reader`): one per thread, kept, and replaced after a failure."""

from __future__ import annotations

import sqlite3
import threading

import psycopg2
import pytest

from tests.conftest import database_url
from traceability import db


@pytest.fixture
def reader():
    reading = db.Reader(db.make_engine(database_url()))
    yield reading
    reading.engine.dispose()


def _read(reader: db.Reader) -> tuple[int, object]:
    with reader.connection() as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM audit_head")
        return cursor.fetchone()[0], connection.dbapi_connection


def test_a_thread_keeps_its_connection_and_another_thread_has_its_own(reader):
    _count, first = _read(reader)
    assert _read(reader)[1] is first
    other = []
    thread = threading.Thread(target=lambda: other.append(_read(reader)[1]))
    thread.start()
    thread.join()
    assert other[0] is not first


def test_a_failed_statement_gives_the_thread_a_new_connection(reader):
    _count, first = _read(reader)
    with pytest.raises((sqlite3.OperationalError, psycopg2.errors.UndefinedColumn)), reader.connection() as connection:
        connection.cursor().execute("SELECT no_such_column FROM audit_head")
    count, second = _read(reader)
    assert second is not first and count >= 0
