"""Run Alembic from the app: `traceability db upgrade` and the tests use these."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from traceability.config import PROJECT_ROOT


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(os.environ.get("MIGRATIONS_DIR", PROJECT_ROOT / "migrations"))))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Any, revision: str = "head") -> None:
    with _migrating(engine) as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Any, revision: str = "base") -> None:
    with _migrating(engine) as conn:
        command.downgrade(alembic_config(conn), revision)


def _no_statement_limits(conn: Any) -> None:
    # a migration may rewrite a large table or wait for the old workers' transactions: DB_STATEMENT_TIMEOUT and
    # DB_LOCK_TIMEOUT are for requests, not for this
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0")


@contextmanager
def _migrating(engine: Any) -> Iterator[Any]:
    """One transaction for the migrations. On SQLite, batch mode rebuilds a table (copy, drop, rename), and the
    drop of a table other rows refer to (organisations, products) fails while foreign keys are enforced: they are
    switched off around the transaction — SQLite ignores the switch inside one — as Alembic's documentation
    advises, and every reference is checked before the commit."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            _no_statement_limits(conn)
            yield conn
        return
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection  # in autocommit (traceability/db.py): outside any transaction
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows referring to missing rows: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
