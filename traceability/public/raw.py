"""Statements run straight on the database driver's cursor, for the few that run on every scan.

SQLAlchemy's result machinery rebuilds a result's column map on every execution of a textual statement; for
the probe's ~90 columns that cost more than the query itself. These statements are written once with
`:name` parameters and run on the session's own connection, so they stay inside its transaction. On
PostgreSQL they are also prepared once per connection: planning the probe's dozen subqueries on every scan
cost more than running them.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from sqlalchemy.orm import Session

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_NAMES = itertools.count(1)
_PREPARED = "traceability_prepared"  # key in each pooled connection's `info`: names prepared on it


class RawStatement:
    """A SQL text with `:name` parameters, run in each driver's own parameter style."""

    def __init__(self, sql: str):
        self.sql = sql
        self.params = list(dict.fromkeys(_PARAM.findall(sql)))  # in order of first use: $1, $2…
        self.name = f"raw_statement_{next(_NAMES)}"

    def execute(self, session: Session, params: dict[str, Any]) -> Any:
        """Run inside the session's transaction; return the driver's cursor."""
        connection = session.connection()
        pooled = connection.connection
        cursor = pooled.dbapi_connection.cursor()
        dialect = connection.dialect.name
        if dialect == "sqlite":  # sqlite3 reads :name itself
            cursor.execute(self.sql, params)
        elif dialect == "postgresql":
            prepared = pooled.info.setdefault(_PREPARED, set())
            if self.name not in prepared:
                numbered = {name: f"${n}" for n, name in enumerate(self.params, 1)}
                cursor.execute(f"PREPARE {self.name} AS " + _PARAM.sub(lambda m: numbered[m[1]], self.sql))
                prepared.add(self.name)
            arguments = ", ".join(["%s"] * len(self.params))
            cursor.execute(f"EXECUTE {self.name}({arguments})", [params[name] for name in self.params])
        else:
            raise NotImplementedError(f"database {dialect}")
        return cursor
