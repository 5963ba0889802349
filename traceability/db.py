"""Database plumbing: the declarative base, the engine and a scoped session of our own.

A plain scoped session (rather than Flask-SQLAlchemy) lets tests bind it to a connection inside a
savepoint, and works the same in the CLI and in scripts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, Numeric, String, create_engine, event, types
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

from traceability import search

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(types.TypeDecorator):
    """Timestamps stored as UTC and always returned time-zone aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times in UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        Decimal: Numeric(14, 3),
        str: String(255),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))

# Set while work that will write runs (a form sent, an API change). On SQLite a transaction that has read
# cannot take the write lock once another connection has written since (SQLITE_BUSY at once: no waiting), so
# such work takes the write lock when it begins, and waits its turn instead of failing.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


def normalise_url(url: str) -> str:
    # psycopg2 is the driver we ship; SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql:// URL.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def make_engine(
    url: str, *, connect_timeout: float = 0, statement_timeout: float = 0, lock_timeout: float = 0, **kwargs: Any
) -> Engine:
    """An engine for `url`. On PostgreSQL, `connect_timeout` (seconds) bounds the wait for a host that does not
    answer, so a request fails in seconds with the 503 page instead of hanging until the proxy gives up; the
    statement and lock timeouts (seconds, 0: none) end a statement that runs or waits for a lock too long."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 15})
        engine = create_engine(url, **kwargs)
        _fix_sqlite_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = kwargs.setdefault("connect_args", {})
    if connect_timeout:
        connect_args.setdefault("connect_timeout", max(2, round(connect_timeout)))  # libpq: whole seconds, ≥ 2
    options = [
        f"-c {name}={int(seconds * 1000)}"
        for name, seconds in (("statement_timeout", statement_timeout), ("lock_timeout", lock_timeout))
        if seconds
    ]
    if options:
        connect_args.setdefault("options", " ".join(options))
    return create_engine(url, **kwargs)


def engine_options(config: Any) -> dict[str, float]:
    """make_engine's timeouts from the app's settings."""
    return {
        "connect_timeout": config["DB_CONNECT_TIMEOUT"],
        "statement_timeout": config["DB_STATEMENT_TIMEOUT"],
        "lock_timeout": config["DB_LOCK_TIMEOUT"],
    }


def _fix_sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite's advice for WAL: commits are atomic and the file never corrupts; only a power cut may lose
        # the last commits. FULL would wait for the disk on every commit, which every scan makes.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        search.install_sqlite(dbapi_connection)  # fold(): search without accents (traceability/search.py)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


class Reader:
    """One driver connection in autocommit per thread, beside `engine`, for a single read too small to be worth a
    session (the page cache's data version, a unit code's counter): kept by the thread that opened it, so a read
    costs the statement alone — no pool checkout and return, no ping, no rollback (on PostgreSQL the session's
    pool adds two round trips to the read). A connection whose statement fails is discarded and the next read
    opens a new one; a thread's connection closes when the thread ends (NullPool). Made by the app factory, owned
    by its app."""

    def __init__(self, engine: Engine):
        self.engine = create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._local = threading.local()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        local = self._local
        held = getattr(local, "connection", None)
        if held is None or local.pid != os.getpid():  # a forked child never uses its parent's socket
            held = local.connection = self.engine.raw_connection()
            local.pid = os.getpid()
        try:
            yield held
        except BaseException:
            local.connection = None
            held.invalidate()
            raise


@contextmanager
def driver_connection(readers: Reader | None) -> Iterator[Any]:
    """The driver's own connection of this thread from `readers`; without it (the session is bound to one
    connection, a test's), that connection."""
    if readers is None:
        yield session.session_factory.kw.get("bind").connection
        return
    with readers.connection() as connection:
        yield connection


def driver_sql(connection: Any, sql: str) -> str:
    """`sql` written with psycopg2's %s placeholders, for the driver under `connection` (sqlite3 wants ?)."""
    raw = getattr(connection, "dbapi_connection", connection)  # a pool's proxy, or the driver's connection
    return sql.replace("%s", "?") if isinstance(raw, sqlite3.Connection) else sql


def copy_csv(connection: Any, target: str, rows: Iterable[Sequence[Any]]) -> None:
    """Rows into `target` ("table (column, …)") by PostgreSQL's COPY, in CSV, on `connection` (a SQLAlchemy
    connection, in its transaction): far less work than an INSERT's quoting of every value. None is written as
    an empty field, which is NULL; an empty string would read back as NULL too, so give none."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {target} FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


def bind(engine_or_connection: Any, **kwargs: Any) -> None:
    """Point the scoped session at an engine (the app) or a connection (a test)."""
    session.remove()
    session.configure(bind=engine_or_connection, **kwargs)


def choice(enum_cls: type, name: str) -> types.Enum:
    """A column type for a StrEnum: stored as its value, guarded by a CHECK constraint."""
    return types.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
