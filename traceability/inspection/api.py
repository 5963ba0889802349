"""JSON API of inspection: inspections and their photos, suspend / resume / recall, the consumer-report queue."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from traceability import db
from traceability.accounts.models import Role
from traceability.apidoc import binary
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.errors import NotFound
from traceability.inspection import services
from traceability.inspection.alerts import open_reports
from traceability.inspection.models import Inspection
from traceability.inspection.photos import send_photo, store_photos
from traceability.inspection.schemas import (
    BatchStatusSchema,
    InspectionInSchema,
    InspectionOutcomeSchema,
    InspectionPhotosSchema,
    InspectionSchema,
    ReasonSchema,
    ReportQuerySchema,
    ReportSchema,
    ReportUpdateSchema,
)
from traceability.public.models import ConsumerReport
from traceability.storage import names_oversized_request
from traceability.tenancy import get_visible

blp = Blueprint("inspection_api", __name__, url_prefix="/api/v1", description="Inspection")


@blp.route("/inspections", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(InspectionInSchema)
@blp.response(201, InspectionOutcomeSchema)
def create_inspection(data):
    """Record an inspection; `action: suspend|recall` also changes the batch (and needs a reason)."""
    outcome = services.record_inspection(db.session, current_user, data)
    return outcome


@blp.route("/inspections/<int:inspection_id>/photos", methods=["POST"])
@roles(Role.INSPECTOR)
@names_oversized_request("photos")
@blp.arguments(InspectionPhotosSchema, location="files")
@blp.response(200, InspectionSchema)
def add_photos(files, inspection_id: int):
    """Add photos to an inspection the caller recorded.

    multipart/form-data, field `photos` (repeat it for several): JPEG, PNG or WebP, at most 5 per inspection.
    Each at most 40 million pixels; stored upright, re-encoded as JPEG at most 1600 px a side, without the
    camera's metadata. 503 with Retry-After if files cannot be stored right now (nothing is added).
    """
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    room = services.photo_room(current_user, inspection)
    stored = store_photos(files["photos"], room)  # removed again if the inspection is not saved
    services.add_photos(db.session, current_user, inspection, stored)
    return inspection


@blp.route("/inspections/<int:inspection_id>/photos/<photo>", methods=["GET"])
@roles(Role.INSPECTOR, Role.ADMIN)
@binary(blp, "The photo (JPEG).", "image/jpeg")
def get_photo(inspection_id: int, photo: str):
    """One photo of an inspection, by the name listed in its `photos`."""
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    if photo not in (inspection.photos or []):
        raise NotFound(_("No file."))
    return send_photo(photo)


def _status_change(action: str, batch_id: int, reason: str) -> services.StatusChange:
    batch = get_visible(db.session, Batch, batch_id, current_user)
    affected = []
    if action == "recall":
        affected = services.recall_batch(db.session, current_user, batch, reason)
    elif action == "suspend":
        batch = services.suspend_batch(db.session, current_user, batch, reason)
    else:
        batch = services.resume_batch(db.session, current_user, batch, reason)
    return services.StatusChange(batch=batch, affected=affected)


@blp.route("/batches/<int:batch_id>/suspend", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(ReasonSchema)
@blp.response(200, BatchStatusSchema)
def suspend(data, batch_id: int):
    """Suspend a published batch."""
    return _status_change("suspend", batch_id, data["reason"])


@blp.route("/batches/<int:batch_id>/resume", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(ReasonSchema)
@blp.response(200, BatchStatusSchema)
def resume(data, batch_id: int):
    """Lift the suspension of a batch."""
    return _status_change("resume", batch_id, data["reason"])


@blp.route("/batches/<int:batch_id>/recall", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(ReasonSchema)
@blp.response(200, BatchStatusSchema)
def recall(data, batch_id: int):
    """Recall a published or suspended batch; `affected` lists every batch made from it, with contacts."""
    return _status_change("recall", batch_id, data["reason"])


@blp.route("/reports")
@roles(Role.INSPECTOR)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportSchema(many=True))
def list_reports(query):
    """Consumer reports: open ones (new, in review) oldest first, or those of `?status=`, `?kind=`."""
    status, kind = query.get("status"), query.get("kind")
    return open_reports(db.session, status.value if status else None, kind.value if kind else None)


@blp.route("/reports/<int:report_id>", methods=["PATCH"])
@roles(Role.INSPECTOR)
@blp.arguments(ReportUpdateSchema)
@blp.response(200, ReportSchema)
def update_report(data, report_id: int):
    """Move a report along (`in_review`, `resolved`, `dismissed`) and/or write the reply the reporter sees."""
    report = get_visible(db.session, ConsumerReport, report_id, current_user)
    services.update_report(db.session, current_user, report, data)
    return report
