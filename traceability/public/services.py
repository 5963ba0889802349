"""Consumer reports: taking one in (with an optional photo) and looking it up by its receipt."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, grouped, new_code, normalise
from traceability.codes.models import Code
from traceability.codes.services import add_with_new_code
from traceability.errors import NotFound, ServiceError, invalid
from traceability.public.models import ConsumerReport

PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
PHOTO_MAX_SIDE = 2000  # stored photos are scaled down to this, re-encoded, with their metadata dropped


def read_photo(data: bytes, max_bytes: int) -> bytes:
    """Check an uploaded photo by its content and return it as a clean JPEG (no EXIF: no GPS position)."""
    if len(data) > max_bytes:
        raise invalid("photo", _("The photo is too large (at most %(mb)d MB).", mb=max(1, max_bytes // 1_000_000)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in PHOTO_FORMATS:
                    raise invalid("photo", _("The photo must be a JPEG, PNG or WebP image."))
                if probe.width * probe.height > PHOTO_MAX_PIXELS:
                    raise invalid("photo", _("The photo has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image).convert("RGB")
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError):
        raise invalid("photo", _("The photo must be a JPEG, PNG or WebP image.")) from None
    return out.getvalue()


def save_photo(upload_dir: str, jpeg: bytes) -> str:
    """Store a checked photo under UPLOAD_DIR/reports/ with an unguessable name; return its relative path."""
    folder = Path(upload_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"reports/{secrets.token_hex(16)}.jpg"
    (Path(upload_dir) / relative).write_bytes(jpeg)
    return relative


def create_report(
    session: Session,
    data: dict[str, Any],
    code: Code | None,
    typed_code: str | None,
    photo_path: str | None,
    client: str,
) -> ConsumerReport:
    """Record a consumer's report and give it a receipt code (the same alphabet and check as product codes).

    `code` is None for a code that is not registered here; what the consumer scanned is then kept at the
    top of the message, so inspectors can trace the fake.
    """
    message = data["message"]
    if code is None and typed_code:
        message = _("Code scanned: %(code)s", code=typed_code) + "\n" + message
    return add_with_new_code(
        session,
        lambda receipt: ConsumerReport(
            receipt=receipt,
            code_id=code.id if code else None,
            batch_id=code.batch_id if code else None,
            kind=data["kind"],
            message=message,
            contact=data.get("contact"),
            photo_path=photo_path,
            client_hash=client,
        ),
    )


def find_report(session: Session, typed: str) -> ConsumerReport:
    """A report by the receipt its author was given (any case, with or without dashes)."""
    try:
        value = normalise(typed)
    except CheckCharacterError:
        raise ServiceError(_("This receipt code has a typing mistake. Please check and retype it.")) from None
    except CodeFormatError:
        raise ServiceError(
            _("This is not a receipt code: receipts look like %(example)s.", example=grouped(new_code()))
        ) from None
    report = session.scalar(select(ConsumerReport).where(ConsumerReport.receipt == value))
    if report is None:
        raise NotFound(_("No report has this receipt code."))
    return report
