"""Search without accents: "ba xuyen" finds "Bá Xuyên", "da" finds "Đá". The one mechanism every search uses.

`fold(text)` is lower case without Vietnamese diacritics (đ → d). The same folding is a SQL function `fold()` on
both databases, so a query compares `fold(column)` with the folded words typed:
- SQLite: the Python function below, registered on every connection (traceability/db.py);
- PostgreSQL: an IMMUTABLE SQL function made by a migration from `postgres_function_sql()`: `translate()` over
  the same character table, so both databases fold alike (tests/test_search.py runs on both).

A function rather than a folded copy of each searched column: nothing to keep in step on write (bulk imports,
migrations, admins' edits), and every searched column (names, communes, tax codes) works at once. Measured on
20,000 rows in scripts/bench_search.py (docs/decisions.md).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import and_, func, literal, or_
from sqlalchemy.sql import ColumnElement

_COMBINING = [chr(c) for c in range(0x300, 0x370)]  # accents typed as separate marks (NFD text)


def _table() -> dict[str, str]:
    """Every precomposed Latin letter that folds to a plain ASCII letter, upper and lower case."""
    pairs = {"đ": "d", "Đ": "d"}
    for code in range(0xC0, 0x1F00):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            pairs[char] = base.lower()
    return pairs


FOLD_PAIRS = _table()
_TRANSLATION = str.maketrans({**FOLD_PAIRS, **dict.fromkeys(_COMBINING)})


def fold(text: str | None) -> str | None:
    """Lower case, without diacritics: the form both sides of a search are compared in."""
    if text is None:
        return None
    return text.translate(_TRANSLATION).lower()


def postgres_function_sql() -> str:
    """`fold(text)` for PostgreSQL: translate() maps each accented letter (and drops separate accent marks)."""
    source = "".join(FOLD_PAIRS)
    target = "".join(FOLD_PAIRS.values())
    marks = "".join(_COMBINING)
    return (
        "CREATE OR REPLACE FUNCTION fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
        f"$fold$ SELECT lower(translate($1, '{source}{marks}', '{target}')) $fold$"
    )


def install_sqlite(dbapi_connection: Any) -> None:
    dbapi_connection.create_function("fold", 1, fold, deterministic=True)


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words(query: str | None) -> list[str]:
    return [fold(w) for w in (query or "").split()]


def matches(query: str | None, *columns: Any) -> ColumnElement[bool]:
    """Every word typed appears, accents and case aside, in at least one of `columns`."""
    conditions = []
    for word in words(query):
        pattern = literal(f"%{_escaped(word)}%")
        conditions.append(or_(*(func.fold(column).like(pattern, escape="\\") for column in columns)))
    return and_(True, *conditions)
