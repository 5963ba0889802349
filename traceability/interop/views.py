"""Pages of interop: the trace of a batch, the import and export page of the producer workspace."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.errors import Invalid
from traceability.interop.csv_import import COLUMN_HELP, FileRejected
from traceability.interop.downloads import export_response, import_template, trace_response
from traceability.interop.importing import import_batches, runs_as_job, submit_import
from traceability.interop.schemas import ExportQuerySchema, TraceQuerySchema
from traceability.interop.trace import DIRECTIONS, batch_trace
from traceability.schemas import form_data
from traceability.tenancy import get_visible

bp = Blueprint("interop", __name__)

COLUMN_LABELS = {
    "depth": _l("Step"),
    "event": _l("Event"),
    "occurred_at": _l("Date"),
    "lot_code": _l("Lot code"),
    "product": _l("Product"),
    "gtin": _l("GTIN"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "location": _l("Location"),
    "location_code": _l("Location code"),
    "source_or_recipient": _l("Previous source or next recipient"),
    "reference_document": _l("Reference document"),
    "organization": _l("Organisation"),
    "batch_id": _l("Batch"),
}


def _trace_page(batch_id: int, endpoint: str):
    batch = get_visible(db.session, Batch, batch_id, current_user)
    try:
        args = TraceQuerySchema().load(form_data(request.args))
    except ValidationError as exc:
        args, errors = {"direction": "both", "format": "json", "sort": None}, exc.messages
    else:
        errors = {}
        if args["format"] in ("csv", "xlsx"):
            return trace_response(batch_id, args)
    rows = batch_trace(db.session, current_user, batch_id, args["direction"], args["sort"])
    page = render_template(
        "interop/trace.html",
        batch=batch,
        rows=rows,
        column_labels=COLUMN_LABELS,
        directions=DIRECTIONS,
        args=args,
        endpoint=endpoint,
        errors=errors,
    )
    return page, 422 if errors else 200


@bp.route("/app/batches/<int:batch_id>/trace")
@roles(Role.PRODUCER)
def producer_trace(batch_id: int):
    return _trace_page(batch_id, "interop.producer_trace")


@bp.route("/inspect/batches/<int:batch_id>/trace")
@roles(Role.INSPECTOR, Role.ADMIN)
def inspector_trace(batch_id: int):
    return _trace_page(batch_id, "interop.inspector_trace")


@bp.route("/app/data")
@roles(Role.PRODUCER)
def data_page():
    """Import batches from a spreadsheet; export them."""
    return render_template("interop/data.html", file_error=None, row_errors=[], column_help=COLUMN_HELP)


@bp.route("/app/batches/import", methods=["POST"])
@roles(Role.PRODUCER)
def import_page():
    upload = request.files.get("file")
    file_error, row_errors = None, []
    if upload is None or not upload.filename:
        file_error = _("Choose a CSV file to upload.")
    else:
        content = upload.read()
        try:
            if runs_as_job(content):  # checked by the worker; the job's page shows progress, then the outcome
                job = submit_import(db.session, current_user, content)
                return redirect(url_for("jobs.job_page", job_id=job.id))
            result = import_batches(db.session, current_user, content)
        except FileRejected as exc:
            file_error = exc.message
        else:
            if result.ok:
                flash(
                    _(
                        "Imported %(batches)d batches with %(chemicals)d chemical applications as drafts.",
                        batches=result.batches,
                        chemicals=result.chemicals,
                    )
                )
                return redirect(url_for("interop.data_page"))
            db.session.rollback()
            row_errors = result.errors
    page = render_template("interop/data.html", file_error=file_error, row_errors=row_errors, column_help=COLUMN_HELP)
    return page, 422


@bp.route("/app/batches/import/template.csv")
@roles(Role.PRODUCER)
def import_template_page():
    return import_template()


@bp.route("/app/batches/export")
@roles(Role.PRODUCER)
def producer_export():
    return export_response(None, _export_format())


@bp.route("/inspect/organizations/<int:org_id>/batches/export")
@roles(Role.INSPECTOR, Role.ADMIN)
def inspector_export(org_id: int):
    return export_response(org_id, _export_format())


def _export_format() -> str:
    try:
        return ExportQuerySchema().load(form_data(request.args))["format"]
    except ValidationError as exc:
        raise Invalid(exc.messages) from exc
