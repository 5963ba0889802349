"""Workspace pages of codes: issue unit codes, revoke them, download QR images and label sheets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from marshmallow import ValidationError

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.codes import downloads, services
from traceability.codes.downloads import parts_needed
from traceability.codes.identifiers import grouped
from traceability.codes.labels import DEFAULT_PER_PAGE, GRIDS
from traceability.codes.schemas import CodeIssueSchema, CodeRevokeSchema, LabelQuerySchema, QRQuerySchema
from traceability.codes.urls import code_url, public_base_url
from traceability.errors import Invalid
from traceability.forms import submit_form
from traceability.schemas import form_data

bp = Blueprint("codes", __name__)
PER_PAGE = 50


def _page(batch, errors=None, values=None, status=200):
    page = max(1, request.args.get("page", 1, type=int))
    lot = services.lot_code_for(db.session, batch)
    summary = services.code_summary(db.session, batch)
    sheet_max = current_app.config["LABEL_SHEET_MAX_CODES"]
    # a run longer than a sheet holds prints in parts: (part, first, last) by position among the unrevoked codes
    parts = [
        (n, (n - 1) * sheet_max + 1, min(n * sheet_max, summary["active"]))
        for n in range(1, parts_needed(summary["active"], sheet_max) + 1)
    ]
    context = {
        "batch": batch,
        "lot": lot,
        "lot_url": code_url(lot) if lot else None,
        "summary": summary,
        "serials": services.recent_serials(db.session, batch, page, PER_PAGE),
        "page": page,
        "per_page": PER_PAGE,
        "grids": GRIDS,
        "default_per_page": DEFAULT_PER_PAGE,
        "max_serials": current_app.config["CODE_ISSUE_MAX_PER_REQUEST"],
        "sheet_max": sheet_max,
        "sheet_parts": parts if summary["active"] > sheet_max else [],
        "other_host": _other_host(),
        "errors": errors or {},
        "values": values or {},
    }
    return render_template("codes/batch_codes.html", **context), status


def _other_host() -> str | None:
    """The host QR codes carry when it is not the one the producer is using (a misconfigured PUBLIC_BASE_URL
    would print labels leading elsewhere): warned about before anything is printed."""
    printed = urlsplit(public_base_url()).netloc.lower()
    return printed if printed != request.host.lower() else None


@bp.route("/app/batches/<int:batch_id>/codes", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def batch_codes(batch_id: int):
    batch = services.get_batch(db.session, batch_id, current_user)
    if request.method == "GET":
        return _page(batch)
    limits = services.IssueLimits.from_config(current_app.config)
    try:
        form = submit_form(
            CodeIssueSchema(),
            lambda data: services.issue_serial_codes(db.session, batch, data["count"], current_user, limits),
        )
    except services.DailyLimitReached as exc:
        db.session.rollback()
        return _page(batch, exc.errors, form_data(request.form), exc.status)
    if form.errors:
        return _page(batch, form.errors, form.values, form.status)
    flash(ngettext("%(num)d unit code issued.", "%(num)d unit codes issued.", len(form.result)))
    return redirect(url_for("codes.batch_codes", batch_id=batch.id))


@bp.route("/app/batches/<int:batch_id>/codes/revoke", methods=["POST"])
@roles(Role.PRODUCER)
def revoke(batch_id: int):
    batch = services.get_batch(db.session, batch_id, current_user)
    form = submit_form(
        CodeRevokeSchema(), lambda data: _revoke(batch, data), lambda values: _revoke_fields(batch, values)
    )
    if form.errors:
        return _page(batch, form.errors, form.values, form.status)
    flash(ngettext("%(num)d code revoked.", "%(num)d codes revoked.", form.result))
    return redirect(url_for("codes.batch_codes", batch_id=batch.id))


def _revoke_fields(batch, values: dict) -> dict:
    """The form's fields as CodeRevokeSchema takes them: a list of typed codes, or a run of this batch."""
    data = {k: v for k, v in values.items() if k in ("from_code", "to_code", "reason")}
    if values.get("codes", "").strip():
        data["codes"] = [c for c in re.split(r"[\s,;]+", values["codes"]) if c]
    elif "from_code" in data or "to_code" in data:
        data["batch_id"] = batch.id
    return data


def _revoke(batch, data: dict) -> int:
    if data.get("codes"):
        return services.revoke_codes(db.session, current_user, data["codes"], data["reason"])
    return services.revoke_range(db.session, batch, data["from_code"], data["to_code"], data["reason"])


@bp.route("/app/batches/<int:batch_id>/labels.pdf")
@roles(Role.PRODUCER)
def labels(batch_id: int):
    batch = services.get_batch(db.session, batch_id, current_user)
    try:
        query = LabelQuerySchema().load(form_data(request.args))
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    response = downloads.label_sheet_response(db.session, batch, query)
    return response


@bp.route("/app/batches/<int:batch_id>/labels/job", methods=["POST"])
@roles(Role.PRODUCER)
def labels_job(batch_id: int):
    """The whole run on one sheet, however long, made by the worker; the job's page shows progress, then the file."""
    from traceability.codes.sheet_job import submit_label_sheet

    batch = services.get_batch(db.session, batch_id, current_user)
    try:
        query = LabelQuerySchema().load(form_data(request.form))
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    job = submit_label_sheet(db.session, batch, current_user, query)
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/app/codes/<code>/qr.png")
@roles(Role.PRODUCER)
def qr_png(code: str):
    return _qr_image(code, "png")


@bp.route("/app/codes/<code>/qr.svg")
@roles(Role.PRODUCER)
def qr_svg(code: str):
    return _qr_image(code, "svg")


def _qr_image(code: str, image_format: str):
    found = services.get_code(db.session, code, current_user)
    try:
        query = QRQuerySchema().load(form_data(request.args))
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    return downloads.qr_response(found, image_format, query["size"], download=bool(request.args.get("download")))


@bp.app_template_filter("grouped_code")
def grouped_code(value: str) -> str:
    """`7KQ2M9XH4TABC` → `7KQ2-M9XH-4TAB-C`, as codes are printed."""
    return grouped(value)
