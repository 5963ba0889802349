"""A label sheet of any length, made by the worker (a run longer than LABEL_SHEET_MAX_CODES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from traceability.batches.models import Batch, BatchStatus
from traceability.codes import services
from traceability.codes.identifiers import grouped
from traceability.codes.labels import label_sheet_chunks
from traceability.codes.models import CodeKind
from traceability.codes.urls import url_maker
from traceability.errors import Conflict, Invalid


def submit_label_sheet(session: Session, batch: Batch, user: Any, query: dict[str, Any]) -> Any:
    """Hand a label sheet of the batch's unit codes (`per_page`, the run `from_code`–`to_code`) to the worker;
    refused at once when it could not be made (a batch not published, no unit codes). Returns the job."""
    from traceability.jobs.services import submit

    if batch.status != BatchStatus.PUBLISHED:
        raise Conflict(_("Labels can only be printed for a published batch."))
    bounds = (query.get("from_code"), query.get("to_code"))
    if services.count_serials(session, batch, *bounds) == 0:
        raise Invalid({"codes": [_("There are no unit codes to print: issue some first.")]})
    params = {"batch_id": batch.id, "per_page": query["per_page"], "from_code": bounds[0], "to_code": bounds[1]}
    return submit(session, "label_sheet", user, params)


def make_label_sheet(
    session: Session, job: Any, progress: Callable[[int, int], None], out: BinaryIO
) -> tuple[str, str]:
    params = job.params
    batch = session.get(Batch, params["batch_id"])
    if batch is None or batch.status != BatchStatus.PUBLISHED:
        raise Conflict(_("Labels can only be printed for a published batch."))
    bounds = (params.get("from_code"), params.get("to_code"))
    # read first, then write: progress commits, which would end a read still under way (13 bytes a code)
    values = list(services.serial_values(session, batch, *bounds))
    if not values:
        raise Invalid({"codes": [_("There are no unit codes to print: issue some first.")]})
    text = services.label_text(batch)
    title = _("Labels of lot %(lot)s", lot=batch.lot_code)
    name = secure_filename(f"labels-{batch.lot_code}-serial.pdf") or f"labels-{batch.id}.pdf"
    make_url = url_maker(batch)
    session.commit()
    total = len(values)

    def entries():
        for done, value in enumerate(values, 1):
            yield make_url(value, CodeKind.SERIAL), grouped(value)
            if done % 200 == 0:
                progress(done, total)

    for chunk in label_sheet_chunks(entries(), text, params["per_page"], title):
        out.write(chunk)
    return name, "application/pdf"
