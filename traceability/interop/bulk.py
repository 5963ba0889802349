"""Writing many rows at once inside the session's transaction.

On PostgreSQL the rows go through `COPY … FROM STDIN` (CSV format) on the session's own connection, so they
commit or roll back with everything else; ids are drawn from the table's sequence first, which is safe with
concurrent writers. Elsewhere (SQLite in tests and development) a multi-row INSERT … RETURNING does the same.
Bulk statements bypass the ORM's audit hook: callers write their audit entry themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

CHUNK = 5_000  # rows a statement where COPY is not available


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def add_rows(session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert `rows` (values in the order of `columns`, no id) and return their new ids, in order."""
    if not rows:
        return []
    if not _is_postgresql(session):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            chunk = [dict(zip(columns, row, strict=True)) for row in rows[start : start + CHUNK]]
            ids.extend(session.execute(statement, chunk).scalars())
        return ids
    ids = list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ).scalars()
    )
    copy_rows(session, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
    return ids


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY rows into a PostgreSQL table on the session's connection (in its transaction). Values are written
    with `str()` (dates ISO, decimals plain, string enums their value); None is NULL. Text values are never
    empty here: an empty cell is read as None."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    names = ", ".join(columns)
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
