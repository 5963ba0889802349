"""Search without accents: "ba xuyen" finds "Bá Xuyên", "da" finds "Đá". The one mechanism every search uses.

`fold(text)` is lower case without Vietnamese diacritics (đ → d). The same folding is a SQL function `fold()` on
both databases, so a query compares `fold(column)` with the folded words typed:
- SQLite: the Python function below, registered on every connection (traceability/db.py);
- PostgreSQL: an IMMUTABLE SQL function made by a migration from `postgres_function_sql()`, the same steps, so
  both databases fold alike (tests/test_search.py runs on both). IMMUTABLE: it can back an index if need be.

A function rather than a folded copy of each searched column: nothing to keep in step on write (bulk imports,
migrations, admins' edits), and every searched column (names, communes, tax codes) works at once. Measured on
20,000 rows in scripts/bench_search.py (docs/decisions.md).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import and_, func, literal
from sqlalchemy.sql import ColumnElement

# Text is decomposed (NFD: "ố" = "o" + circumflex + acute), the marks Vietnamese uses are dropped — grave, acute,
# circumflex, tilde, breve, hook above, horn, dot below — and đ/Đ become d: every Vietnamese letter is then plain
# ASCII, which lower() folds on any database locale. PostgreSQL does the same with normalize() and a 10-character
# translate(), which measured 3.6 times faster than translating each of the 134 accented letters
# (scripts/bench_search.py, docs/decisions.md).
_MARKS = "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"
_TRANSLATION = str.maketrans({"đ": "d", "Đ": "d", **dict.fromkeys(_MARKS)})


def fold(text: str | None) -> str | None:
    """Lower case, without Vietnamese diacritics: the form both sides of a search are compared in."""
    if text is None:
        return None
    if text.isascii():  # lot codes, tax codes, names typed without accents: nothing to translate
        return text.lower()
    return unicodedata.normalize("NFD", text).translate(_TRANSLATION).lower()


def postgres_function_sql() -> str:
    """`fold(text)` for PostgreSQL (13 or later: normalize()), the same steps as `fold` above."""
    marks = "".join(f"\\{ord(c):04X}" for c in _MARKS)
    return (
        "CREATE OR REPLACE FUNCTION fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
        f"$fold$ SELECT lower(translate(normalize($1, NFD), U&'đĐ{marks}', 'dd')) $fold$"  # đĐ → dd, the marks dropped
    )


def install_sqlite(dbapi_connection: Any) -> None:
    dbapi_connection.create_function("fold", 1, fold, deterministic=True)


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words(query: str | None) -> list[str]:
    return [fold(w) for w in (query or "").split()]


def matches(query: str | None, *columns: Any) -> ColumnElement[bool]:
    """Every word typed appears, accents and case aside, in at least one of `columns`.

    The columns are searched as one text (joined by a character no word holds), so each word folds one value
    per row rather than one per column: on SQLite every fold() is a call into Python."""
    found = words(query)
    if not found:
        return and_(True)
    haystack = columns[0] if len(columns) == 1 else _joined(columns)
    folded = func.fold(haystack)
    return and_(*(folded.like(literal(f"%{_escaped(word)}%"), escape="\\") for word in found))


def _joined(columns: tuple[Any, ...]) -> Any:
    text = func.coalesce(columns[0], "")
    for column in columns[1:]:
        text = text + literal("\n") + func.coalesce(column, "")
    return text
