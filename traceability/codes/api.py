"""JSON API of codes: issue unit codes, revoke codes, QR images and label sheets."""

from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from traceability import db
from traceability.accounts.models import Role
from traceability.apidoc import binary
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.codes import downloads, services
from traceability.codes.identifiers import grouped
from traceability.codes.models import CodeKind
from traceability.codes.schemas import (
    CodeIssueSchema,
    CodeRevokeSchema,
    IssuedCodeSchema,
    LabelJobSchema,
    LabelQuerySchema,
    QRQuerySchema,
    RevokeResultSchema,
)
from traceability.codes.urls import url_maker
from traceability.jobs.api import JobSchema, job_json
from traceability.tenancy import owner_first

blp = Blueprint("codes_api", __name__, url_prefix="/api/v1", description="Codes, QR images and label sheets")


@blp.route("/batches/<int:batch_id>/codes", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(CodeIssueSchema)
@blp.response(201, IssuedCodeSchema(many=True))
def issue_codes(data, batch_id: int):
    """Issue `count` serialised unit codes for a published batch of your organisation.

    At most `CODE_ISSUE_MAX_PER_REQUEST` a request (20,000 by default) and `CODE_ISSUE_MAX_PER_BATCH` for the
    batch in all (422 beyond), and `CODE_ISSUE_MAX_PER_DAY` for the organisation in a local day (429 beyond)."""
    batch = services.get_batch(db.session, batch_id, current_user)
    limits = services.IssueLimits.from_config(current_app.config)
    values = services.issue_serial_codes(db.session, batch, data["count"], current_user, limits)
    make_url = url_maker(batch)
    result = [{"code": v, "grouped": grouped(v), "url": make_url(v, CodeKind.SERIAL)} for v in values]
    return result


@blp.route("/codes/<code>/qr.png")
@roles(Role.PRODUCER)
@blp.arguments(QRQuerySchema, location="query")
@binary(blp, "The QR image (PNG).", "image/png")
def qr_png(query, code: str):
    """The QR image of one of your codes as PNG (`?size=` in pixels, 64–2048)."""
    return downloads.qr_response(services.get_code(db.session, code, current_user), "png", query["size"])


@blp.route("/codes/<code>/qr.svg")
@roles(Role.PRODUCER)
@blp.arguments(QRQuerySchema, location="query")
@binary(blp, "The QR image (SVG).", "image/svg+xml")
def qr_svg(query, code: str):
    """The QR image of one of your codes as SVG (`?size=` in pixels, 64–2048)."""
    return downloads.qr_response(services.get_code(db.session, code, current_user), "svg", query["size"])


@blp.route("/codes/revoke", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(CodeRevokeSchema)
@blp.response(200, RevokeResultSchema)
def revoke(data):
    """Revoke unit codes: `{codes, reason}`, or a run `{batch_id, from_code, to_code, reason}`. Revoked codes
    answer 410 on the public page."""
    if data.get("codes"):
        revoked = services.revoke_codes(db.session, current_user, data["codes"], data["reason"])
    else:
        batch = services.get_batch(db.session, data["batch_id"], current_user)
        revoked = services.revoke_range(db.session, batch, data["from_code"], data["to_code"], data["reason"])
    return {"revoked": revoked}


@blp.route("/batches/<int:batch_id>/labels.pdf")
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(LabelQuerySchema, location="query")
@binary(blp, "The label sheet (PDF).", "application/pdf")
def labels(query, batch_id: int):
    """A4 label sheet: `?codes=lot|serial`, `?per_page=10|24|40`, and for serial codes optionally the run
    `?from_code=&to_code=`. A sheet holds at most `LABEL_SHEET_MAX_CODES` unit codes (4,000 by default): a
    longer run is refused (422 naming the limit) before anything is made; ask for it in parts, `?part=1, 2, …`."""
    batch = services.get_batch(db.session, batch_id, current_user)
    response = downloads.label_sheet_response(db.session, batch, query)
    return response


@blp.route("/batches/<int:batch_id>/labels/jobs", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(LabelJobSchema)
@blp.response(
    202,
    JobSchema,
    headers={"Location": {"description": "the job: `GET /api/v1/jobs/{id}`", "schema": {"type": "string"}}},
)
def label_sheet_job(data, batch_id: int):
    """A label sheet of the batch's unit codes, however many, made by the worker: `{per_page, from_code,
    to_code}` (all optional). Answers 202 with the job; ask `GET /api/v1/jobs/{id}` (the `Location`) until its
    `status` is `done`, then download `result_url`. 409 for a batch not published, 422 when there is no code."""
    from traceability.codes.sheet_job import submit_label_sheet

    batch = services.get_batch(db.session, batch_id, current_user)
    job = submit_label_sheet(db.session, batch, current_user, data)
    return job_json(job), 202, {"Location": url_for("jobs_api.get_job", job_id=job.id, _external=True)}
