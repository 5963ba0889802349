"""JSON API of interop: EPCIS export, the trace, the organisation's batches as a spreadsheet."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from traceability import db
from traceability.accounts.models import Role
from traceability.apidoc import XLSX, binary
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.errors import Invalid
from traceability.interop.csv_import import FileRejected
from traceability.interop.downloads import export_response, import_template, trace_response
from traceability.interop.epcis import batch_epcis, chain_epcis, shipment_epcis
from traceability.interop.importing import errors_by_row, import_batches
from traceability.interop.schemas import EpcisQuerySchema, ExportQuerySchema, TraceQuerySchema
from traceability.tenancy import get_visible, owner_first

blp = Blueprint("interop_api", __name__, url_prefix="/api/v1", description="EPCIS export, trace, spreadsheets")

READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


def _ld(document: dict) -> Response:
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return response


@blp.route("/batches/<int:batch_id>/epcis")
@roles(*READERS)
@owner_first(Batch, "batch_id", check=get_visible)
@blp.arguments(EpcisQuerySchema, location="query", as_kwargs=True)
@binary(blp, "EPCIS 2.0 JSON-LD document", "application/ld+json")
def epcis(batch_id: int, direction: str | None = None):
    """The batch's events as an EPCIS 2.0 JSON-LD document; eventIDs are CBV 2.0 event hashes. With
    `direction` (back, forward or both), one document of every lot of its trace across organisations that the
    caller may see, upstream first."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if direction is None:
        return _ld(batch_epcis(db.session, current_user, batch_id, base))
    return _ld(chain_epcis(db.session, current_user, batch_id, direction, base))


@blp.route("/shipments/<int:shipment_id>/epcis")
@roles(*READERS)
@binary(blp, "EPCIS 2.0 JSON-LD document", "application/ld+json")
def shipment_epcis_document(shipment_id: int):
    """A shipment and its lots as one EPCIS 2.0 document: the sender's lot with its events (shipping among them)
    and the buyer's received lot (receiving); for the two parties and inspectors."""
    return _ld(shipment_epcis(db.session, current_user, shipment_id, current_app.config["PUBLIC_BASE_URL"]))


@blp.route("/batches/<int:batch_id>/trace")
@roles(*READERS)
@owner_first(Batch, "batch_id", check=get_visible)
@blp.arguments(TraceQuerySchema, location="query", as_kwargs=True)
@binary(blp, "The trace rows as JSON, CSV or XLSX", "application/json", "text/csv", XLSX)
def trace(batch_id: int, **args):
    """One row per critical tracking event of the batch's tree, with its key data elements."""
    return trace_response(batch_id, args)


@blp.route("/batches/export")
@roles(*READERS)
@blp.arguments(ExportQuerySchema, location="query", as_kwargs=True)
@binary(blp, "The organisation's batches as CSV or XLSX", "text/csv", XLSX)
def export_batches(**args):
    """Every batch of the caller's organisation (inspectors and admins: `organization_id`) as CSV or XLSX."""
    return export_response(args["organization_id"], args["format"])


@blp.route("/batches/import/template.csv")
@roles(*READERS)
@binary(blp, "The CSV import template", "text/csv")
def import_template_csv():
    """The heading and an example row of the batch import file."""
    return import_template()


@blp.route("/batches/import", methods=["POST"])
@roles(Role.PRODUCER)
@blp.doc(
    requestBody={"content": {"text/csv": {"schema": {"type": "string"}}}},
    responses={201: {"description": "`{batches, chemicals, rows}` written"}, 422: {"description": "Every problem"}},
)
def import_csv():
    """Import batches and chemical applications from a CSV file (the body, or a multipart `file`). All rows are
    checked first; any problem writes nothing and the answer names each row, column and problem."""
    upload = request.files.get("file")
    content = upload.read() if upload is not None else request.get_data(cache=False)
    try:
        result = import_batches(db.session, current_user, content)
    except FileRejected as exc:
        raise Invalid({"file": [exc.message]}) from exc
    if not result.ok:
        db.session.rollback()
        raise Invalid({"rows": errors_by_row(result.errors)}, message=_("Nothing was imported."))
    return jsonify({"batches": result.batches, "chemicals": result.chemicals, "rows": result.rows}), 201
