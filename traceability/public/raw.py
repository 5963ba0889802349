"""Statements run straight on the database driver's cursor, for the two that run on every scan.

SQLAlchemy's result machinery rebuilds a result's column map on every execution of a textual statement; for
the probe's ~90 columns that cost more than the query itself. These statements are written once with
`:name` parameters and run on the session's own connection, so they stay inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class RawStatement:
    """A SQL text with `:name` parameters, turned into each driver's own parameter style once."""

    def __init__(self, sql: str):
        self.sql = sql
        self._by_dialect: dict[str, str] = {}

    def _for(self, dialect: str) -> str:
        sql = self._by_dialect.get(dialect)
        if sql is None:
            if dialect == "sqlite":  # sqlite3 reads :name itself
                sql = self.sql
            elif dialect == "postgresql":  # psycopg2's %(name)s (a literal % must be doubled)
                sql = _PARAM.sub(r"%(\1)s", self.sql.replace("%", "%%"))
            else:
                raise NotImplementedError(f"database {dialect}")
            self._by_dialect[dialect] = sql
        return sql

    def execute(self, session: Session, params: dict[str, Any]) -> Any:
        """Run inside the session's transaction; return the driver's cursor."""
        connection = session.connection()
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(self._for(connection.dialect.name), params)
        return cursor


def timestamp_param(session: Session, value: dt.datetime) -> Any:
    """A UTC timestamp as `UTCDateTime` stores it: naive text on SQLite (SQLAlchemy's format), aware elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
