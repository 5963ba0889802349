"""The lists of banned substances shipped with the registry, and the one loader that puts them in a database.

The data migrations call `load_shipped_lists` (so the lists arrive with the schema: `traceability db upgrade`
alone is enough); so do `traceability substances load` and the admins' reload button. It works on a plain
connection with only the columns it names, and only those the table has, so a migration written today still
runs on a fresh install after later migrations have changed the model.

Rows are owned by their origin: the loader adds missing names and updates rows still marked `shipped`; rows
an admin added, edited or withdrew are left as they are. It never deletes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from traceability.db import UTCDateTime, utcnow
from traceability.reference.models import SubstanceKind, SubstanceOrigin, SubstanceStatus

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_LISTS = {
    SubstanceKind.PESTICIDE: DATA_DIR / "pesticides-vn.csv",
    SubstanceKind.LIVESTOCK: DATA_DIR / "livestock-banned-vn.csv",
}
LONGEST = {"active_ingredient": 120, "group": 40, "legal_source": 300}  # the columns' sizes (main name only)
# the values a CSV row carries (besides `origin` and `updated_at`, which the loader sets)
VALUE_COLUMNS = ("name", "synonyms", "status", "kind", "group", "effective_from", "legal_source", "is_checked")

_table = sa.table(
    "banned_substances",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("synonyms", sa.Text),
    sa.column("status", sa.String),
    sa.column("kind", sa.String),
    sa.column("origin", sa.String),
    sa.column("group", sa.String),
    sa.column("effective_from", sa.Date),
    sa.column("legal_source", sa.String),
    sa.column("is_checked", sa.Boolean),
    sa.column("updated_at", UTCDateTime()),
)


@dataclass
class LoadReport:
    added: list[dict[str, Any]] = field(default_factory=list)  # the rows inserted
    updated: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (id, before, after)
    kept: list[str] = field(default_factory=list)  # names an admin owns, left as they are


def read_list(path: Path, kind: SubstanceKind | str) -> list[dict[str, Any]]:
    """The rows of a CSV in the shipped format as column values. `active_ingredient` may name synonyms after
    the main name, separated by ';'. A bad row raises ValueError naming its line, before anything is written."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line_no, raw in enumerate(csv.DictReader(handle), start=2):
            row = {key: (value or "").strip() for key, value in raw.items() if isinstance(key, str)}
            names = [n.strip() for n in row.get("active_ingredient", "").split(";") if n.strip()]
            try:
                if not names:
                    raise ValueError("no active_ingredient")
                status = SubstanceStatus(row.get("status", "")).value
                effective_from = dt.date.fromisoformat(row["effective_from"]) if row.get("effective_from") else None
                sizes = {
                    "active_ingredient": names[0],
                    "group": row.get("group", ""),
                    "legal_source": row.get("legal_source", ""),
                }
                for column, value in sizes.items():
                    if len(value) > LONGEST[column]:
                        raise ValueError(f"{column} longer than {LONGEST[column]} characters")
            except ValueError as exc:
                raise ValueError(f"{path.name} line {line_no}: {exc}") from exc
            rows.append(
                {
                    "name": names[0],
                    "synonyms": "; ".join(names[1:]) or None,
                    "status": status,
                    "kind": SubstanceKind(kind).value,
                    "group": row.get("group") or None,
                    "effective_from": effective_from,
                    "legal_source": row.get("legal_source") or None,
                    "is_checked": row.get("checked", "").lower() == "yes",
                }
            )
    return rows


def shipped_rows() -> list[dict[str, Any]]:
    return [row for kind, path in SHIPPED_LISTS.items() for row in read_list(path, kind)]


def shipped_lists_sha256() -> str:
    """One hash over the shipped files: a release that changes them must add a migration naming the new hash
    (tests/reference checks this), so every install gets the new list with `db upgrade`."""
    digest = hashlib.sha256()
    for kind, path in sorted(SHIPPED_LISTS.items()):
        digest.update(kind.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_shipped_lists(connection: Any, *, adopt: bool = False) -> LoadReport:
    """Put the shipped lists in `banned_substances` on `connection` (inside the caller's transaction)."""
    return load_rows(connection, shipped_rows(), origin=SubstanceOrigin.SHIPPED, adopt=adopt)


def load_rows(
    connection: Any, rows: list[dict[str, Any]], *, origin: SubstanceOrigin, adopt: bool = False
) -> LoadReport:
    """Insert the rows whose name (any case) is missing; update the existing ones the loader may change.

    `origin=SHIPPED`: only rows still marked shipped are updated. `origin=ADMIN` (an admin's own file): every
    row of that name is overwritten and becomes the admin's. `adopt`: an admin-marked row identical to the
    shipped one becomes shipped (rows loaded before origins were kept).
    """
    present = {c["name"] for c in sa.inspect(connection).get_columns("banned_substances")}
    columns = [c for c in VALUE_COLUMNS if c in present]
    owner = ["origin"] if "origin" in present else []
    table_columns = [_table.c[c] for c in ("id", *owner, *columns)]
    existing = {row.name.lower(): row for row in connection.execute(sa.select(*table_columns))}
    report = LoadReport()
    now = utcnow()
    inserts = []
    seen = set()
    for row in rows:
        key = row["name"].lower()
        if key in seen:  # a name twice in the files: the first row wins
            continue
        seen.add(key)
        values = {c: row[c] for c in columns}
        if "origin" in present:
            values["origin"] = origin.value
        current = existing.get(key)
        if current is None:
            inserts.append({**values, "updated_at": now})
            continue
        before = {c: getattr(current, c) for c in columns}
        same = before == {c: values[c] for c in columns}
        owned = getattr(current, "origin", SubstanceOrigin.SHIPPED.value)
        if adopt and owned == SubstanceOrigin.ADMIN:
            # a row from before kinds and origins were kept: the list naming it gives its kind, and one
            # identical to the shipped row (that kind aside) is the shipped row
            fixes = {"kind": values["kind"]} if "kind" in columns else {}
            if all(before[c] == values[c] for c in columns if c != "kind"):
                fixes["origin"] = SubstanceOrigin.SHIPPED.value
            if fixes:
                connection.execute(_table.update().where(_table.c.id == current.id).values(**fixes))
            if "origin" in fixes:
                continue
        if origin == SubstanceOrigin.SHIPPED and owned != SubstanceOrigin.SHIPPED:
            report.kept.append(current.name)
            continue
        if same and owned == values.get("origin", owned):
            continue
        connection.execute(_table.update().where(_table.c.id == current.id).values(**values, updated_at=now))
        report.updated.append((current.id, {**before, "origin": owned}, values))
    if inserts:
        connection.execute(_table.insert(), inserts)
        report.added = inserts
    return report
