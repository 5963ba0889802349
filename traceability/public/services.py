"""Consumer reports: taking one in (with an optional photo) and looking it up by its receipt."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, grouped, new_code, normalise
from traceability.codes.models import Code
from traceability.codes.services import add_with_new_code
from traceability.errors import NotFound, ServiceError
from traceability.inspection import scope
from traceability.notices.services import notify
from traceability.public.models import ConsumerReport


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
    agency = scope.agency_for(session, code.batch) if code else None  # a fake code: the provincial queue
    report = add_with_new_code(
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
            agency_id=agency.id if agency else None,
        ),
    )
    if code is not None:  # the producer hears of it (a report on an unknown code goes to the inspectors only)
        batch = code.batch
        notify(
            session,
            batch.organization,
            "consumer_report",
            link=f"/app/batches/{batch.id}",
            lot=batch.lot_code,
            receipt=grouped(report.receipt),
            message=data["message"][:1000],
        )
    return report


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


def report_for_typed(session: Session, typed: str) -> ConsumerReport | None:
    """The report whose receipt this is, when someone types a receipt where codes are looked up; else None
    (receipts and product codes share the alphabet and check character, so the text alone cannot tell)."""
    try:
        value = normalise(typed)
    except ValueError:  # not code-shaped, or mistyped: the code lookup explains what is wrong
        return None
    return session.scalar(select(ConsumerReport).where(ConsumerReport.receipt == value))
