"""From what a consumer scanned or typed to the code it names, or a clear reason why not."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, grouped, normalise
from traceability.codes.models import Code, CodeKind
from traceability.errors import ServiceError
from traceability.public.digital_link import DigitalLink, MalformedLink, build_path, parse_path
from traceability.registry.models import Product


class LookupProblem(ServiceError):
    """Why a code cannot be shown: `reason` is one of malformed, mistyped, not_registered, revoked."""

    def __init__(self, status: int, reason: str, message: str, code: Code | None = None, typed: str = ""):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.code = code
        self.typed = typed


def code_path(code: Code) -> str:
    """Where a code's page lives: a GS1 Digital Link when the product has a GTIN, else `/c/{code}`."""
    batch = code.batch
    gtin = batch.product.gtin
    if gtin:
        serial = code.value if code.kind == CodeKind.SERIAL else None
        return build_path(gtin, batch.lot_code, serial)
    return f"/c/{code.value}"


def code_url(code: Code) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + code_path(code)


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
        raise LookupProblem(
            400,
            "malformed",
            _(
                "This is not a registry code. Codes have 13 letters and digits, like %(example)s.",
                example=grouped("7KQ2M9XH4TABC"),
            ),
            typed=typed,
        ) from None


def _not_registered(typed: str) -> LookupProblem:
    return LookupProblem(
        404,
        "not_registered",
        _("This code is not registered here — the product may be fake. Do not trust its label; you can report it."),
        typed=typed,
    )


def _usable(code: Code | None, typed: str) -> Code:
    if code is None or code.batch.status == BatchStatus.DRAFT:
        raise _not_registered(typed)
    if code.is_revoked:
        raise LookupProblem(
            410, "revoked", _("This code has been withdrawn by the registry and is no longer valid."), code, typed
        )
    return code


def find_code(session: Session, typed: str) -> Code:
    """The code a consumer typed or scanned (`/c/{code}`)."""
    value = canonical_code(typed)
    return _usable(session.scalar(select(Code).where(Code.value == value)), grouped(value))


def find_digital_link(session: Session, path: str) -> Code:
    """The code a GS1 Digital Link path names: the lot's code, or the unit code given as serial."""
    try:
        link = parse_path(path)
    except MalformedLink as exc:
        raise LookupProblem(
            400, "malformed", _("This is not a valid GS1 Digital Link: %(why)s", why=str(exc))
        ) from None
    return _usable(_code_for_link(session, link), path)


def _code_for_link(session: Session, link: DigitalLink) -> Code | None:
    if link.serial is not None:
        try:
            value = normalise(link.serial)
        except ValueError:
            return None
        query = (
            select(Code)
            .join(Batch)
            .join(Product)
            .where(Code.value == value, Code.kind == CodeKind.SERIAL, Product.gtin == link.gtin)
        )
        if link.lot is not None:
            query = query.where(Batch.lot_code == link.lot)
        return session.scalar(query)
    if link.lot is None:
        return None  # a GTIN alone names a product, not a batch we could vouch for
    return session.scalar(
        select(Code)
        .join(Batch)
        .join(Product)
        .where(Product.gtin == link.gtin, Batch.lot_code == link.lot, Code.kind == CodeKind.LOT)
    )
