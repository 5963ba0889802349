"""Importing batches and their chemical applications from a CSV file: all rows checked, then all written.

The file is read and every row checked on its own (`csv_import.parse`, by the batch fields' rules), then
against the registry: the product and site must be the organisation's own, a lot code may appear only once (in
the file and in the registry), rows of one lot must agree, and no banned active ingredient may be used (the
batch domain's matcher). Only when nothing is wrong are the batches written, as drafts, in bulk in the
request's transaction (`bulk.add_rows`) with one audit entry: a bad file leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, Role, User
from traceability.audit import services as audit
from traceability.batches import compliance
from traceability.batches.models import Batch, BatchStatus, ChemicalApplication
from traceability.db import utcnow
from traceability.errors import Forbidden
from traceability.interop import bulk
from traceability.interop.csv_import import (
    BATCH_COLUMNS,
    CHEMICAL_COLUMNS,
    MAX_ROWS,
    ParsedFile,
    RowError,
    check_file,
    parse,
)
from traceability.registry.models import Product, Site

DRAFT = BatchStatus.DRAFT
WRITTEN = tuple(c for c in BATCH_COLUMNS if c not in ("product", "site"))  # the rest are looked up
UNIT = WRITTEN.index("unit")
CHEMICAL_FIELDS = tuple(c.removeprefix("chemical_") for c in CHEMICAL_COLUMNS)
# a row's values in column order, read at C speed (100,000 rows)
_typed = itemgetter(*BATCH_COLUMNS)  # every row of one lot must repeat these alike
_written = itemgetter(*WRITTEN)
_chemical = itemgetter(*CHEMICAL_COLUMNS)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    batches: int = 0
    chemicals: int = 0
    rows: int = 0
    batch_ids: list[int] = field(default_factory=list)
    lot_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class BannedCheck:
    """The batch rule on banned substances (`compliance.chemical_problems`), asked once per distinct trade name
    and ingredient: a file of 100,000 rows names only a handful of products."""

    def __init__(self, session: Session):
        self.session = session
        self.known: dict[tuple[str, str], list[str]] = {}

    def messages(self, trade_name: str, ingredient: str) -> list[str]:
        key = (trade_name, ingredient)
        found = self.known.get(key)
        if found is None:
            chem = SimpleNamespace(trade_name=trade_name, active_ingredient=ingredient)
            problems = compliance.chemical_problems(self.session, chem, None)  # no harvest: the banned rule only
            found = self.known[key] = [p.message for p in problems if p.rule == "banned_substance"]
        return found


def check(session: Session, user: User, parsed: ParsedFile) -> list[dict[str, Any]]:
    """Check the parsed rows against the registry; returns the batches to write, each with its chemicals.
    Problems are added to `parsed.errors`."""
    org_id = user.organization_id
    products = _lookup(session, Product, org_id, ("name", "gtin"))
    sites = _lookup(session, Site, org_id, ("name", "area_code"))
    existing = set(session.scalars(select(Batch.lot_code).where(Batch.organization_id == org_id)))
    banned = BannedCheck(session)
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
        elif batch["typed"] != _typed(row):
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
            refused = banned.messages(row["chemical_trade_name"], row["chemical_active_ingredient"])
            if refused:
                for message in refused:
                    parsed.add_error(line_no, "chemical_active_ingredient", message)
                continue
            batch["chemicals"].append(_chemical(row))
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
    values = _written(row)
    if values[UNIT] is None:  # the batch form's rule: no unit given means the product's unit
        values = (*values[:UNIT], product.unit, *values[UNIT + 1 :])
    return {
        "row": line_no,
        "values": values,
        "typed": _typed(row),
        "product_id": product.id,
        "site_id": site.id if site else None,
        "chemicals": [],
    }


def import_batches(
    session: Session,
    user: User,
    content: bytes,
    max_rows: int = MAX_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Read, check and, if every row is good, write the batches of an import file as drafts.
    Raises `csv_import.FileRejected` when the file cannot be read at all. `progress(done, 3)` is told after the
    reading and after the checking (a job's page shows it), never after writing has begun."""
    if user.role != Role.PRODUCER or user.organization_id is None:
        raise Forbidden(_("Only a producer imports batches, into its own organisation."))
    parsed = parse(content, max_rows)
    if progress:
        progress(1, 3)
    plan = check(session, user, parsed) if not parsed.is_too_many_errors else []
    result = ImportResult(errors=parsed.errors, rows=len(parsed.rows))
    if parsed.errors:
        return result
    if progress:
        progress(2, 3)
    result.batch_ids = write(session, user, plan, result.rows)
    result.lot_codes = [item["typed"][0] for item in plan]
    result.batches = len(plan)
    result.chemicals = sum(len(b["chemicals"]) for b in plan)
    return result


def write(session: Session, user: User, plan: list[dict[str, Any]], rows: int) -> list[int]:
    """Insert the checked batches and their chemicals in bulk (`bulk.add_rows`), and one audit entry for the
    import (action `import` on the organisation: the file's row count and the batch ids created); returns
    the new batch ids in file order."""
    now = utcnow()
    org_id = user.organization_id
    ids = bulk.add_rows(
        session,
        Batch.__table__,
        (*WRITTEN, "organization_id", "product_id", "site_id", "status", "created_by_id", "created_at", "updated_at"),
        [(*item["values"], org_id, item["product_id"], item["site_id"], DRAFT, user.id, now, now) for item in plan],
    )
    chemical_ids = bulk.add_rows(
        session,
        ChemicalApplication.__table__,
        (*CHEMICAL_FIELDS, "batch_id", "site_id", "created_at"),
        [
            (*chem, batch_id, item["site_id"], now)
            for batch_id, item in zip(ids, plan, strict=True)
            for chem in item["chemicals"]
        ],
    )
    chemicals = sum(len(item["chemicals"]) for item in plan)
    after = {"rows": rows, "batches": len(ids), "chemicals": chemicals, "batch_ids": ids}
    audit.record(session, "import", Organization.__tablename__, org_id, after=after)
    # and each row as written, as the ORM hook would have: `audit verify` compares the rows with these
    audit.record_rows(session, "create", Batch.__table__, ids)
    audit.record_rows(session, "create", ChemicalApplication.__table__, chemical_ids)
    return ids


def errors_by_row(errors: list[RowError]) -> dict[str, dict[str, list[str]]]:
    """Problems as the API answers them: {row: {column: [messages]}} (`_row` for the row as a whole)."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for error in errors:
        grouped.setdefault(str(error.row), {}).setdefault(error.column or "_row", []).append(error.message)
    return grouped


def runs_as_job(content: bytes) -> bool:
    """Is this file long enough to be imported by the worker rather than in the request (IMPORT_INLINE_ROWS)?
    Counted in lines, before anything is read: a quoted cell may hold a line break, which only errs long."""
    return content.count(b"\n") > current_app.config["IMPORT_INLINE_ROWS"] + 1  # the heading, a last line break


def submit_import(session: Session, user: User, content: bytes) -> Any:
    """Hand an import file to the worker (interop/import_job.py); returns the job. A file refused as a whole
    (not UTF-8 text, no heading, too many rows) raises FileRejected at once, as in the request."""
    from traceability.jobs.services import submit

    if user.role != Role.PRODUCER or user.organization_id is None:
        raise Forbidden(_("Only a producer imports batches, into its own organisation."))
    check_file(content)
    return submit(session, "batch_import", user, {"bytes": len(content)}, data=content)
