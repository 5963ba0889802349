"""From what a consumer scanned or typed to the code it names (or a clear reason why not), and the page's validator.

Runs only when the one cache (`public/cache.py`) has no answer: the code comes as an ORM object with its batch,
product, producer and origin in one statement, the inputs upstream that are suspended or recalled in a second.
The validator of a built answer is taken from what it shows: the ETag hashes the answer itself, Last-Modified
is the newest moment among the records on the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session, joinedload

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, grouped, normalise
from traceability.codes.models import Code, CodeKind
from traceability.codes.urls import CodeURLError, code_url, parse_link_path
from traceability.errors import ServiceError
from traceability.registry.models import Product

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> dt.date:
    """The day expiry and certificate validity are judged on (part of every kept answer's key)."""
    return dt.datetime.now(LOCAL_TZ).date()


class LookupProblem(ServiceError):
    """Why a code cannot be shown: `reason` is one of malformed, mistyped, not_registered, revoked, no_link."""

    def __init__(self, status: int, reason: str, message: str, found: Code | None = None, typed: str = ""):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.found = found
        self.typed = typed


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


def code_path(code: Code) -> str:
    """Where a code's page lives on this server (the path of the URL its QR code carries)."""
    return code_url(code, base_url="")


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


def _load(session: Session, *where: Any) -> Code | None:
    """The code matching `where`, with its batch, product, producer and origin, in one statement."""
    batch = joinedload(Code.batch).options(
        joinedload(Batch.product), joinedload(Batch.organization), joinedload(Batch.site)
    )
    query = select(Code).join(Code.batch).join(Batch.product).where(*where).options(batch)
    return session.scalars(query).first()


def _usable(found: Code | None, typed: str) -> Code:
    if found is None or found.batch.status == BatchStatus.DRAFT:
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


def find_code(session: Session, typed: str) -> Code:
    """The code a consumer typed or scanned (`/c/{code}`)."""
    value = canonical_code(typed)
    return _usable(_load(session, Code.value == value), grouped(value))


def _why(exc: CodeURLError) -> str:
    """The parser's English reason, told in the reader's language."""
    if "check digit" in str(exc).lower():
        return _("the GTIN's check digit (its last digit) is wrong.")
    return _("the address is not in the form /01/GTIN/10/LOT or /01/GTIN/21/SERIAL.")


def find_product(session: Session, gtin: str) -> Product | None:
    """The product with this GTIN-14, with its producer, if one of its batches has ever been published."""
    shown = exists().where(Batch.product_id == Product.id, Batch.status != BatchStatus.DRAFT)
    return session.scalar(select(Product).where(Product.gtin == gtin, shown).options(joinedload(Product.organization)))


def find_digital_link(session: Session, path: str) -> Code | ProductLevel:
    """What a GS1 Digital Link path names: the lot's code, the unit code given as serial, or else the product."""
    if path.endswith("/") and path.count("/") > 2:  # a trailing slash is tolerated (GS1-Conformant resolver)
        path = path[:-1]
    try:
        link = parse_link_path(path)
    except CodeURLError as exc:
        why = _why(exc)
        raise LookupProblem(400, "malformed", _("This is not a valid GS1 Digital Link: %(why)s", why=why)) from None
    found = None
    of_product = Product.gtin == link.gtin
    if link.serial is not None:
        try:
            value = normalise(link.serial)
        except ValueError:
            value = None  # not one of our unit codes
        if value is not None:
            lot = [Batch.lot_code == link.lot] if link.lot is not None else []
            found = _load(session, Code.value == value, Code.kind == CodeKind.SERIAL, of_product, *lot)
    elif link.lot is not None:
        found = _load(session, of_product, Batch.lot_code == link.lot, Code.kind == CodeKind.LOT)
    if found is not None and found.batch.status != BatchStatus.DRAFT:
        return _usable(found, path)  # a withdrawn code still answers 410, never the product
    # walk up: a lot or serial we do not know (or none given) answers for the product, if we know it
    if find_product(session, link.gtin) is None:
        _usable(None, path)
    return ProductLevel(link.gtin, link.lot, link.serial)


@dataclass
class Freshness:
    """What a page depends on besides its own batch: the day, and the inputs upstream that are flagged."""

    today: dt.date
    flagged_ancestors: list[Batch] = field(default_factory=list)  # suspended or recalled, nearest first


# The inputs upstream, at any depth, that are suspended or recalled: {batch_id: depth}. The same walk as
# batches.genealogy.ancestors, written out so the common case (nothing flagged) costs one small statement.
_FLAGGED_UPSTREAM = text(
    """
    WITH RECURSIVE upstream(id, depth) AS (
      SELECT input_batch_id, 1 FROM batch_inputs WHERE batch_id = :batch
      UNION
      SELECT batch_inputs.input_batch_id, upstream.depth + 1
      FROM batch_inputs JOIN upstream ON batch_inputs.batch_id = upstream.id
      WHERE upstream.depth < 1000
    )
    SELECT batches.id, min(upstream.depth)
    FROM upstream JOIN batches ON batches.id = upstream.id
    WHERE batches.status IN ('suspended', 'recalled')
    GROUP BY batches.id
    """
)


def freshness(session: Session, code: Code) -> Freshness:
    depth = dict(session.execute(_FLAGGED_UPSTREAM, {"batch": code.batch_id}).all())
    flagged: list[Batch] = []
    if depth:  # rare: load the flagged inputs themselves, for the warnings
        flagged = list(session.scalars(select(Batch).options(joinedload(Batch.product)).where(Batch.id.in_(depth))))
        flagged.sort(key=lambda b: (depth[b.id], b.id))
    return Freshness(today=local_today(), flagged_ancestors=flagged)


def etag_of(variant: str, body: bytes) -> str:
    """A strong validator from the answer itself: the same answer, the same ETag, on every server."""
    return hashlib.blake2b(variant.encode() + b"\0" + body, digest_size=16).hexdigest()


_MOMENTS = ("created_at", "updated_at", "status_changed_at", "published_at", "revoked_at")


def last_modified(page: Any) -> dt.datetime:
    """The newest moment among what the page shows (its code, batch, producer, records, flagged inputs), and
    the day after its expiry once that has passed."""
    shown = [page.code, page.batch, page.producer, page.origin, *page.events, *page.lab_tests, *page.amendments]
    shown += [line.application for line in page.chemicals] + [line.certification for line in page.certifications]
    shown += [*page.inspections, *(w.input_batch for w in page.warnings)]
    times = [t for thing in shown if thing is not None for t in (getattr(thing, m, None) for m in _MOMENTS) if t]
    expires_on = page.batch.expires_on
    if expires_on is not None and any(w.kind == "expired" for w in page.warnings):
        times.append(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time(), LOCAL_TZ))
    return max(times)
