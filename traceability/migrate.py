"""Run Alembic from the app: `traceability db upgrade` and the tests use these."""

from __future__ import annotations

import os
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
    with engine.begin() as conn:
        _no_statement_limits(conn)
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Any, revision: str = "base") -> None:
    with engine.begin() as conn:
        _no_statement_limits(conn)
        command.downgrade(alembic_config(conn), revision)


def _no_statement_limits(conn: Any) -> None:
    # a migration may rewrite a large table or wait for the old workers' transactions: DB_STATEMENT_TIMEOUT and
    # DB_LOCK_TIMEOUT are for requests, not for this
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0")
