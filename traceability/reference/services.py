"""Reference data: the lists of banned and removed substances (crops and livestock), kept by admins."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.audit.services import record_many
from traceability.errors import NotFound, invalid
from traceability.reference import shipped
from traceability.reference.models import BannedSubstance, SubstanceKind, SubstanceOrigin
from traceability.reference.shipped import SHIPPED_LISTS, LoadReport

DEFAULT_SUBSTANCES_CSV = SHIPPED_LISTS[SubstanceKind.PESTICIDE]


def load_substances(
    session: Session, path: Path | None = None, kind: SubstanceKind = SubstanceKind.PESTICIDE
) -> LoadReport:
    """Load the shipped lists (no `path`), or an admin's own CSV of the shipped format as `kind`.

    The shipped lists update only rows still as shipped; an admin's file overwrites rows of the same names and
    makes them the admin's. Written as bulk statements, so the audit entries are recorded here.
    """
    connection = session.connection()
    if path is None:
        report = shipped.load_shipped_lists(connection)
    else:
        report = shipped.load_rows(connection, shipped.read_list(path, kind), origin=SubstanceOrigin.ADMIN)
    session.expire_all()  # rows changed under the session's feet
    if report.added or report.updated:
        ids = {name.lower(): key for key, name in session.execute(select(BannedSubstance.id, BannedSubstance.name))}
        record_many(
            session,
            [("create", "banned_substances", ids[row["name"].lower()], None, row) for row in report.added]
            + [("update", "banned_substances", key, before, after) for key, before, after in report.updated],
        )
    return report


def folded(text: str) -> str:
    """Lower case without Vietnamese diacritics, for forgiving comparisons ("Ê-ma" ~ "e-ma")."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def list_substances(session: Session, search: str | None = None) -> list[BannedSubstance]:
    """The list, filtered in Python: it is short, and SQLite cannot fold Vietnamese case or accents."""
    substances = sorted(
        session.scalars(select(BannedSubstance)),
        key=lambda s: (s.is_withdrawn, s.kind != SubstanceKind.PESTICIDE, s.status, folded(s.name)),
    )  # what applies first, crops before livestock; withdrawn rows last
    if not search:
        return substances
    needle = folded(search)
    return [s for s in substances if any(needle in folded(name) for name in s.names())]


def get_substance(session: Session, substance_id: int) -> BannedSubstance:
    substance = session.get(BannedSubstance, substance_id)
    if substance is None:
        raise NotFound(_("Not found."))
    return substance


def save_substance(session: Session, data: dict, substance: BannedSubstance | None = None) -> BannedSubstance:
    """Add a substance to the list, or change one (admins keep the list current as the law is revised).

    The row becomes the admin's: reloads of the shipped lists leave it as saved. Saving a withdrawn row puts it
    back on the list."""
    clash = session.scalar(select(BannedSubstance.id).where(func.lower(BannedSubstance.name) == data["name"].lower()))
    if clash is not None and (substance is None or clash != substance.id):
        raise invalid("name", _("This substance is already on the list."))
    if substance is None:
        substance = BannedSubstance(**data, origin=SubstanceOrigin.ADMIN)
        session.add(substance)
    else:
        for key, value in data.items():
            setattr(substance, key, value)
        substance.origin = SubstanceOrigin.ADMIN
    session.flush()
    return substance


@functools.cache
def _shipped_names() -> frozenset[str]:
    return frozenset(row["name"].lower() for row in shipped.shipped_rows())


def delete_substance(session: Session, substance: BannedSubstance) -> None:
    """Take a substance off the list. A name the shipped lists carry stays as a withdrawn row (never matched),
    so the next reload or upgrade does not put it back; an admin's own name is deleted."""
    if substance.name.lower() in _shipped_names():
        substance.origin = SubstanceOrigin.WITHDRAWN
    else:
        session.delete(substance)
    session.flush()
