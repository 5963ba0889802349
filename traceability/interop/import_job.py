"""A batch import file too long to check within a request (more than IMPORT_INLINE_ROWS rows), run by the worker.

The same service as the import page (`importing.import_batches`): every row checked, then all written, or
nothing. A file with problems fails the job with each row's and column's problem (jobs.services.Refused), which
the job's page and `GET /api/v1/jobs/{id}` show; a good one is written as drafts, and the job's file lists the
lots it created with their ids.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from traceability.accounts.models import User
from traceability.audit import services as audit
from traceability.interop.csv_import import FileRejected
from traceability.interop.importing import import_batches
from traceability.jobs.services import Refused, input_file


def import_file(session: Session, job: Any, progress: Callable[[int, int], None], out: BinaryIO) -> tuple[str, ...]:
    user = session.get(User, job.owner_id)
    content = input_file(job).read_bytes()
    audit.set_actor(user)  # the import's audit entry names who sent the file, as in a request
    try:
        result = import_batches(session, user, content, progress=progress)
    except FileRejected as exc:
        raise Refused(exc.message, [{"row": None, "column": "file", "message": exc.message}]) from None
    finally:
        audit.reset_actor()
    if not result.ok:
        problems = [asdict(error) for error in result.errors]
        message = ngettext(
            "Nothing was imported: %(num)d problem to fix.",
            "Nothing was imported: %(num)d problems to fix.",
            len(problems),
        )
        raise Refused(message, problems)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["lot_code", "batch_id"])
    writer.writerows(zip(result.lot_codes, result.batch_ids, strict=True))
    out.write(text.getvalue().encode("utf-8-sig"))  # with a BOM, as spreadsheets expect of UTF-8 CSV
    summary = _(
        "Imported %(batches)d batches with %(chemicals)d chemical applications as drafts.",
        batches=result.batches,
        chemicals=result.chemicals,
    )
    return "imported-batches.csv", "text/csv", summary
