"""Responses shared by the workspace pages and the API: QR images and streamed label sheets."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from traceability.batches.models import Batch, BatchStatus
from traceability.codes import qr, services
from traceability.codes.identifiers import grouped
from traceability.codes.labels import label_sheet_chunks, pages_needed
from traceability.codes.models import Code, CodeKind
from traceability.codes.urls import code_url, url_maker
from traceability.errors import Conflict, Invalid

STREAM_FROM_PAGES = 3
QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def qr_response(code: Code, image_format: str, size: int, download: bool = False) -> Response:
    """The QR image of a code, carrying the code's public URL."""
    url = code_url(code)
    try:
        body = qr.png(url, size) if image_format == "png" else qr.svg(url, size)
    except ValueError:
        raise Invalid({"size": [_("Too small for this code: at least %(min)s pixels.", min=qr.MIN_SIZE)]}) from None
    response = Response(body, mimetype=QR_TYPES[image_format])
    response.headers["Cache-Control"] = "private, max-age=86400"
    if download:
        name = secure_filename(f"qr-{grouped(code.value)}-{size}.{image_format}")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def label_sheet_response(session: Session, batch: Batch, query: dict[str, Any]) -> Response:
    """An A4 label sheet, streamed page by page; headers say how many labels and pages are coming."""
    if batch.status != BatchStatus.PUBLISHED:
        raise Conflict(_("Labels can only be printed for a published batch."))
    per_page, kind = query["per_page"], query["codes"]
    make_url = url_maker(batch)
    if kind == "lot":
        lot = services.issue_lot_code(session, batch)
        count = per_page  # one sheet of the same lot label
        entries: Any = [(make_url(lot.value, CodeKind.LOT), grouped(lot.value))] * per_page
    else:
        bounds = (query.get("from_code"), query.get("to_code"))
        count = services.count_serials(session, batch, *bounds)
        if count == 0:
            raise Invalid({"codes": [_("There are no unit codes to print: issue some first.")]})
        entries = (
            (make_url(value, CodeKind.SERIAL), grouped(value))
            for value in services.serial_values(session, batch, *bounds)
        )
    title = _("Labels of lot %(lot)s", lot=batch.lot_code)
    chunks = label_sheet_chunks(entries, services.label_text(batch), per_page, title)
    pages = pages_needed(count, per_page)
    # A short sheet is made before answering, so a failure still gets a clean error page; a long one streams.
    body = b"".join(chunks) if pages <= STREAM_FROM_PAGES else stream_with_context(chunks)
    response = Response(body, mimetype="application/pdf")
    name = secure_filename(f"labels-{batch.lot_code}-{kind}.pdf") or f"labels-{batch.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Label-Count"] = str(count)
    response.headers["X-Label-Pages"] = str(pages)
    return response
