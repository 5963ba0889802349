"""Importing batches and their chemical applications from a CSV file: all rows checked, then all written.

The file is read and every row checked on its own (`csv_import.parse`), then against the registry: the product
and site must be the organisation's own, a lot code may appear only once (in the file and in the registry),
rows of one lot must agree, and no banned active ingredient may be used. Only when nothing is wrong are the
batches written, as drafts, in one flush: a bad file leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts.models import Role, User
from traceability.batches.models import Batch, BatchStatus, ChemicalApplication, ChemicalPurpose
from traceability.errors import Forbidden
from traceability.interop.csv_import import BATCH_COLUMNS, CHEMICAL_COLUMNS, MAX_ROWS, ParsedFile, RowError, parse
from traceability.reference.models import BannedSubstance, SubstanceStatus
from traceability.registry.models import Product, Site


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    batches: int = 0
    chemicals: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: `Fipronil`, `fi-pro-nil`, `FIPRONIL` agree."""
    text = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in text if not unicodedata.combining(ch)))


_PARTS = re.compile(r"\+|,|;|/|&|\bvà\b|\band\b", re.IGNORECASE)
_STRENGTH = re.compile(r"\d+([.,]\d+)?\s*(%|g/l|g/kg|ml/l|sl|ec|wp|wg|sc)?", re.IGNORECASE)


class BannedList:
    """The admins' list of banned and removed substances, for matching what producers typed."""

    def __init__(self, session: Session):
        self.names: dict[str, tuple[str, SubstanceStatus, dt.date | None]] = {}
        for substance in session.scalars(select(BannedSubstance)):
            for name in substance.names():
                self.names[_fold(name)] = (substance.name, substance.status, substance.effective_from)

    def match(self, ingredient: str, applied_on: dt.date) -> str | None:
        """The banned substance named in an ingredient text (mixtures included), if any, on that date."""
        for part in _PARTS.split(ingredient):
            key = _fold(_STRENGTH.sub(" ", part))
            found = self.names.get(key)
            if found is None:
                continue
            name, status, since = found
            if status == SubstanceStatus.BANNED or since is None or applied_on >= since:
                return name
        return None


def check(session: Session, user: User, parsed: ParsedFile) -> list[dict[str, Any]]:
    """Check the parsed rows against the registry; returns the batches to write, each with its chemicals.
    Problems are added to `parsed.errors`."""
    org_id = user.organization_id
    products = _lookup(session, Product, org_id, ("name", "gtin"))
    sites = _lookup(session, Site, org_id, ("name", "area_code"))
    existing = set(session.scalars(select(Batch.lot_code).where(Batch.organization_id == org_id)))
    banned = BannedList(session)
    batches: dict[str, dict[str, Any]] = {}
    for line_no, row in parsed.rows:
        lot = row["lot_code"]
        if lot in existing:
            parsed.add_error(line_no, "lot_code", _("Lot %(lot)s already exists in your organisation.", lot=lot))
            continue
        batch = batches.get(lot)
        if batch is None:
            batch = _new_batch(parsed, line_no, row, products, sites)
            if batch is None:
                continue
            batches[lot] = batch
        elif any(batch["values"][c] != row[c] for c in BATCH_COLUMNS if c in batch["values"]):
            parsed.add_error(
                line_no,
                "lot_code",
                _(
                    "Lot %(lot)s appears again (first on row %(row)d) with different details.",
                    lot=lot,
                    row=batch["row"],
                ),
            )
            continue
        elif row["chemical_trade_name"] is None:
            parsed.add_error(
                line_no, "lot_code", _("Lot %(lot)s appears twice (first on row %(row)d).", lot=lot, row=batch["row"])
            )
            continue
        if row["chemical_trade_name"] is not None:
            substance = banned.match(row["chemical_active_ingredient"], row["chemical_applied_on"])
            if substance:
                parsed.add_error(
                    line_no,
                    "chemical_active_ingredient",
                    _("%(name)s is a banned substance in Việt Nam.", name=substance),
                )
                continue
            batch["chemicals"].append({c.removeprefix("chemical_"): row[c] for c in CHEMICAL_COLUMNS})
    return list(batches.values())


def _lookup(session: Session, model: Any, org_id: int, keys: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for obj in session.scalars(select(model).where(model.organization_id == org_id)):
        for key in keys:
            value = getattr(obj, key)
            if value:
                found.setdefault(value.strip().lower(), obj)
    return found


def _new_batch(parsed: ParsedFile, line_no: int, row: dict[str, Any], products: dict, sites: dict) -> dict | None:
    product = products.get(row["product"].lower())
    if product is None and row["product"].isdigit():
        product = products.get(row["product"].zfill(14))  # a GTIN-13 typed without the leading zero
    if product is None:
        parsed.add_error(line_no, "product", _("Unknown product: %(name)s.", name=row["product"]))
        return None
    site = None
    if row["site"] is not None:
        site = sites.get(row["site"].lower())
        if site is None:
            parsed.add_error(line_no, "site", _("Unknown site: %(name)s.", name=row["site"]))
            return None
    return {
        "row": line_no,
        "values": {c: row[c] for c in BATCH_COLUMNS},
        "product_id": product.id,
        "site_id": site.id if site else None,
        "chemicals": [],
    }


def import_batches(session: Session, user: User, content: bytes, max_rows: int = MAX_ROWS) -> ImportResult:
    """Read, check and, if every row is good, write the batches of an import file as drafts.
    Raises `csv_import.FileRejected` when the file cannot be read at all."""
    if user.role != Role.PRODUCER or user.organization_id is None:
        raise Forbidden(_("Only a producer imports batches, into its own organisation."))
    parsed = parse(content, max_rows)
    plan = check(session, user, parsed) if not parsed.is_too_many_errors else []
    result = ImportResult(errors=parsed.errors, rows=len(parsed.rows))
    if parsed.errors:
        return result
    write(session, user, plan)
    result.batches = len(plan)
    result.chemicals = sum(len(b["chemicals"]) for b in plan)
    return result


def write(session: Session, user: User, plan: list[dict[str, Any]]) -> None:
    """Add the checked batches and their chemicals (through the ORM, so the audit log records each)."""
    for item in plan:
        values = item["values"]
        batch = Batch(
            organization_id=user.organization_id,
            product_id=item["product_id"],
            site_id=item["site_id"],
            status=BatchStatus.DRAFT,
            created_by_id=user.id,
            **{k: values[k] for k in BATCH_COLUMNS if k not in ("product", "site")},
        )
        batch.chemicals = [
            ChemicalApplication(site_id=item["site_id"], **{**c, "purpose": ChemicalPurpose(c["purpose"])})
            for c in item["chemicals"]
        ]
        session.add(batch)
    session.flush()


def errors_by_row(errors: list[RowError]) -> dict[str, dict[str, list[str]]]:
    """Problems as the API answers them: {row: {column: [messages]}} (`_row` for the row as a whole)."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for error in errors:
        grouped.setdefault(str(error.row), {}).setdefault(error.column or "_row", []).append(error.message)
    return grouped
