"""The kept lists shipped with the registry — product categories and the province's communes — and the one loader
that puts them in a database (migrations, `traceability lists load`, the admins' reload button).

- `data/product-categories.csv`: the province's key products first (REGULATION.md), with the spellings people
  typed before the list existed (`also_written`, used to map old free text to an entry).
- `data/communes.csv`: written by scripts/communes_from_package.py from the `vietnam-provinces` package (the
  statistics office's units after the July 2025 reform), never typed by hand.

Like the banned-substance lists (shipped.py), rows are owned by their origin: a reload adds missing codes and
updates rows still marked `shipped`; rows an admin added or edited stay as they are. It never deletes. It works
on a plain connection with the columns it names, so migrations written today run after later model changes.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from traceability.db import UTCDateTime, utcnow
from traceability.reference.models import ListOrigin
from traceability.search import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_CSV = DATA_DIR / "product-categories.csv"
COMMUNES_CSV = DATA_DIR / "communes.csv"
OTHER = "other"  # the category of last resort

_categories = sa.table(
    "product_categories",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name_vi", sa.String),
    sa.column("name_en", sa.String),
    sa.column("position", sa.Integer),
    sa.column("is_key_product", sa.Boolean),
    sa.column("is_active", sa.Boolean),
    sa.column("origin", sa.String),
    sa.column("updated_at", UTCDateTime()),
)
_communes = sa.table(
    "communes",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("province", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("origin", sa.String),
    sa.column("updated_at", UTCDateTime()),
)


@dataclass
class ListLoad:
    added: list[str] = field(default_factory=list)  # codes
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # codes an admin owns, left as they are


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def category_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "name_vi": row["name_vi"],
            "name_en": row["name_en"],
            "position": int(row["position"]),
            "is_key_product": row["key_product"] == "yes",
            "is_active": True,
        }
        for row in _read(CATEGORIES_CSV)
    ]


def category_spellings() -> dict[str, str]:
    """Folded spelling → category code: each entry's code, names and the spellings typed before the list."""
    spellings: dict[str, str] = {}
    for row in _read(CATEGORIES_CSV):
        for text in [row["code"], row["name_vi"], row["name_en"], *row["also_written"].split(";")]:
            if text.strip():
                spellings.setdefault(fold(text.strip()), row["code"])
    return spellings


def commune_rows() -> list[dict[str, Any]]:
    return [{**row, "is_active": True} for row in _read(COMMUNES_CSV)]


def shipped_lists_sha256() -> str:
    """One hash over the shipped files: a release that changes them adds a migration naming the new hash
    (tests/reference/test_lists.py checks this), so every install gets the new list with `db upgrade`."""
    digest = hashlib.sha256()
    for path in (CATEGORIES_CSV, COMMUNES_CSV):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _load(connection: Any, table: Any, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> ListLoad:
    existing = {r.code: r for r in connection.execute(sa.select(table.c.id, table.c.code, table.c.origin))}
    report = ListLoad()
    now = utcnow()
    inserts = []
    for row in rows:
        values = {c: row[c] for c in columns}
        current = existing.get(row["code"])
        if current is None:
            inserts.append({**values, "is_active": True, "origin": ListOrigin.SHIPPED.value, "updated_at": now})
            report.added.append(row["code"])
        elif current.origin != ListOrigin.SHIPPED.value:
            report.kept.append(row["code"])
        else:
            changed = connection.execute(
                table.update()
                .where(table.c.id == current.id, sa.or_(*(table.c[c] != values[c] for c in columns)))
                .values(**values, updated_at=now)
            ).rowcount
            if changed:
                report.updated.append(row["code"])
    if inserts:
        connection.execute(table.insert(), inserts)
    return report


def load_categories(connection: Any) -> ListLoad:
    columns = ("code", "name_vi", "name_en", "position", "is_key_product")
    return _load(connection, _categories, category_rows(), columns)


def load_communes(connection: Any) -> ListLoad:
    return _load(connection, _communes, commune_rows(), ("code", "name", "kind", "province"))


# ---- free text typed before the lists existed


_PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu)\s+")


def commune_key(text: str | None) -> str:
    """A commune's name compared without accents, case or its kind's word: "xã Tân Cương" ~ "Tan Cuong"."""
    return _PREFIX.sub("", " ".join((fold(text) or "").split()))


def commune_codes_by_name(connection: Any) -> dict[str, str]:
    """Folded name (without "xã"/"phường") → commune code, for names that are not ambiguous."""
    seen: dict[str, set[str]] = {}
    for code, name in connection.execute(sa.select(_communes.c.code, _communes.c.name)):
        seen.setdefault(commune_key(name), set()).add(code)
    return {key: codes.pop() for key, codes in seen.items() if len(codes) == 1}


def migrated_category_code(text: str, taken: set[str]) -> str:
    """A code for a category typed before the list that matches no entry: its folded words, made unique."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(text) or "").strip("_")[:50] or "category"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    taken.add(code)
    return code
