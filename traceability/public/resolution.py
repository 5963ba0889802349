"""From what a consumer scanned or typed to the code it names, or a clear reason why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, grouped, normalise
from traceability.codes.models import Code
from traceability.codes.urls import CodeURLError, code_url, link_maker, parse_link_path
from traceability.errors import ServiceError
from traceability.public.probe import Probe, probe
from traceability.registry.models import Product


class LookupProblem(ServiceError):
    """Why a code cannot be shown: `reason` is one of malformed, mistyped, not_registered, revoked, no_link."""

    def __init__(self, status: int, reason: str, message: str, found: Probe | None = None, typed: str = ""):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.probe = found
        self.typed = typed


def code_path(code: Code) -> str:
    """Where a code's page lives on this server (the path of the URL its QR code carries)."""
    return code_url(code, base_url="")


def probe_url(found: Probe) -> str:
    """The public URL of a probed code's page, without loading its batch."""
    return link_maker(found.gtin, found.lot_code)(found.value, found.kind)


def load_code(session: Session, found: Probe, *records: Any) -> Code:
    """The code as an ORM object with its batch's product, producer and origin, and the batch's `records`
    (loader options from the batch, as facts.PAGE_RECORDS), in one go (only when a page is built)."""
    batch = joinedload(Code.batch).options(
        joinedload(Batch.product), joinedload(Batch.organization), joinedload(Batch.site), *records
    )
    return session.get(Code, found.code_id, options=[batch])


def canonical_code(typed: str) -> str:
    """The canonical form of a typed code, or a LookupProblem (400) telling the consumer what to fix."""
    try:
        return normalise(typed)
    except CheckCharacterError:
        raise LookupProblem(
            400,
            "mistyped",
            _("This code has a typing mistake: one character is wrong or two are swapped. Please check and retype it."),
            typed=typed,
        ) from None
    except CodeFormatError:
        example = grouped("7KQ2M9XH4TABC")
        raise LookupProblem(
            400,
            "malformed",
            _("This is not a registry code. Codes have 13 letters and digits, like %(example)s.", example=example),
            typed=typed,
        ) from None


def _usable(found: Probe | None, typed: str) -> Probe:
    if found is None or found.batch_status == "draft":
        raise LookupProblem(
            404,
            "not_registered",
            _("This code is not registered here — the product may be fake. Do not trust its label; you can report it."),
            typed=typed,
        )
    if found.is_revoked:
        message = _("This code has been withdrawn by the registry and is no longer valid.")
        raise LookupProblem(410, "revoked", message, found, typed)
    return found


def find_code(session: Session, typed: str) -> Probe:
    """The code a consumer typed or scanned (`/c/{code}`)."""
    value = canonical_code(typed)
    return _usable(probe(session, "value", value=value), grouped(value))


def _why(exc: CodeURLError) -> str:
    """The parser's English reason, told in the reader's language."""
    if "check digit" in str(exc).lower():
        return _("the GTIN's check digit (its last digit) is wrong.")
    return _("the address is not in the form /01/GTIN/10/LOT or /01/GTIN/21/SERIAL.")


@dataclass(frozen=True)
class ProductLevel:
    """A product named by its GTIN alone, or by a GTIN with a lot or serial number this registry does not know.

    A GS1 resolver walks up the tree: what it cannot find at the lot or the unit, it answers for the product
    (the EAN barcode on every pack names exactly that). `lot`/`serial` keep what was asked for and not found.
    """

    gtin: str
    lot: str | None = None
    serial: str | None = None

    @property
    def path(self) -> str:
        return f"/01/{self.gtin}"


def find_product(session: Session, gtin: str) -> Product | None:
    """The product with this GTIN-14, with its producer, if one of its batches has ever been published."""
    shown = exists().where(Batch.product_id == Product.id, Batch.status != BatchStatus.DRAFT)
    return session.scalar(select(Product).where(Product.gtin == gtin, shown).options(joinedload(Product.organization)))


def find_digital_link(session: Session, path: str) -> Probe | ProductLevel:
    """What a GS1 Digital Link path names: the lot's code, the unit code given as serial, or else the product."""
    if path.endswith("/") and path.count("/") > 2:  # a trailing slash is tolerated (GS1-Conformant resolver)
        path = path[:-1]
    try:
        link = parse_link_path(path)
    except CodeURLError as exc:
        why = _why(exc)
        raise LookupProblem(400, "malformed", _("This is not a valid GS1 Digital Link: %(why)s", why=why)) from None
    found = None
    if link.serial is not None:
        try:
            value = normalise(link.serial)
        except ValueError:
            value = None  # not one of our unit codes
        if value is not None and link.lot is not None:
            found = probe(session, "lot_serial", value=value, gtin=link.gtin, lot=link.lot)
        elif value is not None:
            found = probe(session, "serial", value=value, gtin=link.gtin)
    elif link.lot is not None:
        found = probe(session, "lot", gtin=link.gtin, lot=link.lot)
    if found is not None and found.batch_status != "draft":
        return _usable(found, path)  # a withdrawn code still answers 410, never the product
    # walk up: a lot or serial we do not know (or none given) answers for the product, if we know it
    if find_product(session, link.gtin) is None:
        _usable(None, path)
    return ProductLevel(link.gtin, link.lot, link.serial)
