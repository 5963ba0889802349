"""Reference data: the list of banned and removed active ingredients."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

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
