"""Responses shared by the workspace pages and the API: QR images and streamed label sheets."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, stream_with_context
from flask_babel import format_decimal, ngettext
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


def parts_needed(count: int, most: int) -> int:
    return max(1, -(-count // most))


def sheet_part(count: int, part: int | None, most: int) -> tuple[int, int]:
    """(codes to skip, codes to print) for one part of a run of `count` unit codes, `most` a sheet.

    A run longer than a sheet may hold is refused before anything is made, naming the limit and the parts to ask
    for instead: a sheet is made within the request, and one cut off by the server's timeout would be a
    truncated file.
    """
    parts = parts_needed(count, most)
    if part is None:
        if count > most:
            raise Invalid(
                {
                    "part": [
                        _(
                            "A label sheet holds at most %(max)s codes and this run has %(count)s: print it in "
                            "%(parts)s parts (part 1 to %(parts)s), or choose a shorter run by its first and last "
                            "code.",
                            max=format_decimal(most),
                            count=format_decimal(count),
                            parts=parts,
                        )
                    ]
                },
                location="query",
            )
        return 0, count
    if part > parts:
        message = ngettext(
            "This run has %(num)d part of at most %(max)s codes.",
            "This run has %(num)d parts of at most %(max)s codes.",
            parts,
            max=format_decimal(most),
        )
        raise Invalid({"part": [message]}, location="query")
    skip = (part - 1) * most
    return skip, min(most, count - skip)


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
        skip, count = sheet_part(count, query.get("part"), current_app.config["LABEL_SHEET_MAX_CODES"])
        entries = (
            (make_url(value, CodeKind.SERIAL), grouped(value))
            for value in services.serial_values(session, batch, *bounds, skip=skip, limit=count)
        )
    title = _("Labels of lot %(lot)s", lot=batch.lot_code)
    chunks = label_sheet_chunks(entries, services.label_text(batch), per_page, title)
    pages = pages_needed(count, per_page)
    # A short sheet is made before answering, so a failure still gets a clean error page; a long one streams.
    body = b"".join(chunks) if pages <= STREAM_FROM_PAGES else stream_with_context(chunks)
    response = Response(body, mimetype="application/pdf")
    suffix = f"-part{query['part']}" if kind == "serial" and query.get("part") else ""
    name = secure_filename(f"labels-{batch.lot_code}-{kind}{suffix}.pdf") or f"labels-{batch.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Label-Count"] = str(count)
    response.headers["X-Label-Pages"] = str(pages)
    return response
