"""Reference data: the list of banned and removed active ingredients."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.errors import NotFound, invalid
from traceability.reference.models import BannedSubstance, SubstanceStatus

DEFAULT_SUBSTANCES_CSV = Path(__file__).resolve().parent / "data" / "pesticides-vn.csv"


def load_substances(session: Session, path: Path = DEFAULT_SUBSTANCES_CSV) -> tuple[int, int]:
    """Insert or update the substances in a CSV of the shipped format. Returns (added, updated)."""
    existing = {s.name.lower(): s for s in session.scalars(select(BannedSubstance))}
    added = updated = 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            names = [n.strip() for n in row["active_ingredient"].split(";") if n.strip()]
            values = {
                "name": names[0],
                "synonyms": "; ".join(names[1:]) or None,
                "status": SubstanceStatus(row["status"].strip()),
                "group": row.get("group") or None,
                "effective_from": dt.date.fromisoformat(row["effective_from"]) if row.get("effective_from") else None,
                "legal_source": row.get("legal_source") or None,
                "is_checked": (row.get("checked") or "").strip().lower() == "yes",
            }
            substance = existing.get(names[0].lower())
            if substance is None:
                session.add(BannedSubstance(**values))
                added += 1
            else:
                changed = False
                for key, value in values.items():
                    if getattr(substance, key) != value:
                        setattr(substance, key, value)
                        changed = True
                updated += changed
    session.flush()
    return added, updated


def folded(text: str) -> str:
    """Lower case without Vietnamese diacritics, for forgiving comparisons ("Ê-ma" ~ "e-ma")."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def list_substances(session: Session, search: str | None = None) -> list[BannedSubstance]:
    """The list, filtered in Python: it is short, and SQLite cannot fold Vietnamese case or accents."""
    substances = session.scalars(select(BannedSubstance).order_by(BannedSubstance.status, BannedSubstance.name))
    if not search:
        return list(substances)
    needle = folded(search)
    return [s for s in substances if any(needle in folded(name) for name in s.names())]


def get_substance(session: Session, substance_id: int) -> BannedSubstance:
    substance = session.get(BannedSubstance, substance_id)
    if substance is None:
        raise NotFound(_("Not found."))
    return substance


def save_substance(session: Session, data: dict, substance: BannedSubstance | None = None) -> BannedSubstance:
    """Add a substance to the list, or change one (admins keep the list current as the law is revised)."""
    clash = session.scalar(select(BannedSubstance.id).where(func.lower(BannedSubstance.name) == data["name"].lower()))
    if clash is not None and (substance is None or clash != substance.id):
        raise invalid("name", _("This substance is already on the list."))
    if substance is None:
        substance = BannedSubstance(**data)
        session.add(substance)
    else:
        for key, value in data.items():
            setattr(substance, key, value)
    session.flush()
    return substance


def delete_substance(session: Session, substance: BannedSubstance) -> None:
    session.delete(substance)
    session.flush()
