"""Answers that are files or tables, shared by the API and the pages' download buttons."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import get_locale
from flask_login import current_user

from traceability import db
from traceability.interop import export, tables
from traceability.interop.csv_import import template_csv
from traceability.interop.trace import COLUMNS, batch_trace, json_rows


def download(content: bytes, fmt: str, filename: str) -> Response:
    mimetype = tables.XLSX_MIMETYPE if fmt == "xlsx" else tables.CSV_MIMETYPE
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def trace_response(batch_id: int, args: dict) -> Response:
    """The trace in the format asked for (shared by the API and the pages' download buttons)."""
    rows = batch_trace(db.session, current_user, batch_id, args["direction"], args.get("sort"))
    fmt = args["format"]
    if fmt == "json":
        return jsonify(
            {"batch_id": batch_id, "direction": args["direction"], "columns": COLUMNS, "rows": json_rows(rows)}
        )
    name = f"trace-{batch_id}-{args['direction']}.{fmt}"
    if fmt == "csv":
        return download(tables.to_csv(COLUMNS, rows), fmt, name)
    return download(tables.to_xlsx(COLUMNS, rows, title="trace"), fmt, name)


def export_response(organization_id: int | None, fmt: str) -> Response:
    org = export.export_organization(db.session, current_user, organization_id)
    rows = export.batch_rows(db.session, org)
    name = f"batches-{org.tax_code}.{fmt}"
    if fmt == "csv":
        return download(tables.to_csv(export.COLUMNS, rows), fmt, name)
    return download(tables.to_xlsx(export.COLUMNS, rows, title="batches"), fmt, name)


def import_template() -> Response:
    vietnamese = not request.path.startswith("/api/") and str(get_locale()) == "vi"
    return download(template_csv(vietnamese), "csv", "batches-import-template.csv")
