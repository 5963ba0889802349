"""Reporting a problem with a product, the receipt page, and the product image of a code's page."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from traceability import db, storage
from traceability.auth import public
from traceability.codes.identifiers import grouped
from traceability.codes.models import Code
from traceability.errors import Invalid, wants_json
from traceability.extensions import csrf, limiter
from traceability.labels import label
from traceability.public import services
from traceability.public.lookup import LookupProblem, code_path, find_code
from traceability.public.models import ReportKind
from traceability.public.scans import client_hash
from traceability.public.schemas import ReportCreateSchema
from traceability.public.views import bp
from traceability.schemas import form_data, localised


def _report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


def _reported_code(code: str) -> tuple[Code | None, str]:
    """The code being reported; an unregistered or withdrawn code may be reported too (it may be a fake)."""
    try:
        found = find_code(db.session, code)
    except LookupProblem as problem:
        if problem.reason == "not_registered":
            return None, problem.typed
        if problem.reason != "revoked":
            raise
        found = problem.found
    return found, grouped(found.value)


@bp.route("/c/<code>/report", methods=["GET", "POST"])
@public
@csrf.exempt  # JSON is exempt (a cross-site page cannot send it); the HTML form is checked below
@limiter.limit(_report_limit, methods=["POST"])
def report(code: str):
    found, shown = _reported_code(code)
    as_json = request.is_json
    errors: dict = {}
    values = {"kind": ReportKind.SUSPECTED_FAKE.value if found is None else ""}
    if request.method == "POST":
        if not as_json and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        values = request.get_json(silent=True) if as_json else form_data(request.form)
        if not isinstance(values, dict):
            values, errors = {}, {"_schema": [_("Send a JSON object.")]}
        photo_path, photo_lost = None, False
        try:
            if errors:
                raise Invalid(errors)
            data = ReportCreateSchema().load(values)
            upload = None if as_json else request.files.get("photo")
            if upload is not None and upload.filename:
                photo = storage.check(upload, storage.CONSUMER_PHOTO, "photo")  # not a photo: 422, nothing kept
                try:
                    photo_path = storage.write(photo, "reports")  # removed again if the report is not saved
                except storage.StorageUnavailable:
                    photo_lost = True  # the report matters more than its photo: keep it and say so
            created = services.create_report(
                db.session, data, found, shown, photo_path, client_hash(request.remote_addr)
            )
        except (ValidationError, Invalid) as exc:
            errors = exc.errors if isinstance(exc, Invalid) else exc.messages
        else:
            receipt_url = url_for("public.receipt", receipt=created.receipt)
            if as_json:
                base = current_app.config["PUBLIC_BASE_URL"]
                return jsonify({"receipt": grouped(created.receipt), "url": base + receipt_url}), 201
            flash(_("Thank you: your report was received. Keep its receipt code to follow it up."))
            if photo_lost:
                flash(_("Your photo could not be stored, but your report was received without it."), "warning")
            return redirect(receipt_url, 303)
        if as_json:
            return jsonify({"code": 422, "status": "Unprocessable Entity", "errors": {"json": localised(errors)}}), 422
    back = code_path(found) if found is not None else None
    status = 422 if errors else 200
    return render_template(
        "public/report.html",
        shown=shown,
        back=back,
        errors=errors,
        values=values,
        kinds=[(k.value, label(k)) for k in ReportKind],
    ), status


@bp.route("/r/<receipt>")
@public
def receipt(receipt: str):
    found = services.find_report(db.session, receipt)
    if wants_json():
        return jsonify(
            {
                "receipt": grouped(found.receipt),
                "kind": found.kind.value,
                "status": found.status.value,
                "reply": found.reply,
                "created_at": found.created_at.isoformat(),
                "updated_at": found.updated_at.isoformat(),
            }
        )
    back = code_path(found.code) if found.code is not None else None
    response = render_template("public/receipt.html", report=found, back=back, grouped=grouped)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/c/<code>/image")
@public
def product_image(code: str):
    product = find_code(db.session, code).batch.product
    if not product.image_path:
        abort(404)
    return storage.send(product.image_path, f"product-{product.id}", public_max_age=86400)
