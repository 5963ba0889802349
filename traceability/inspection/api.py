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
from traceability.inspection import field, scope, services
from traceability.inspection.alerts import ALL, open_reports
from traceability.inspection.models import Inspection
from traceability.inspection.photos import send_photo, store_photos
from traceability.inspection.schemas import (
    BatchStatusSchema,
    FieldPackQuerySchema,
    HeldActionSchema,
    InspectionInSchema,
    InspectionPhotosSchema,
    InspectionSchema,
    KeyedPhotoSchema,
    ReasonSchema,
    ReportQuerySchema,
    ReportSchema,
    ReportUpdateSchema,
    SyncedInspectionSchema,
)
from traceability.public.models import ConsumerReport
from traceability.storage import names_oversized_request
from traceability.tenancy import get_visible

blp = Blueprint("inspection_api", __name__, url_prefix="/api/v1", description="Inspection")


@blp.route("/inspections", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(InspectionInSchema)
@blp.response(201, SyncedInspectionSchema)
@blp.alt_response(200, schema=SyncedInspectionSchema, description="The key had arrived before: that inspection.")
def create_inspection(data):
    """Record an inspection; `action: suspend|recall` also changes the batch (and needs a reason).

    With `client_key` (a UUID made by the phone) the same key sent again answers 200 with the inspection
    recorded the first time, and records nothing. With `batch_version` (from the field pack) a suspension or
    recall is held when the batch changed since: the inspection is recorded without it, `held_action` and
    `conflict` say what waits for the inspector's decision (`POST /api/v1/inspections/{id}/held-action`).
    """
    if data.get("client_key"):
        synced = field.sync_inspection(db.session, current_user, data)
        return synced, (200 if synced.repeated else 201)
    return services.record_inspection(db.session, current_user, data)


@blp.route("/inspections/<int:inspection_id>/held-action", methods=["POST"])
@roles(Role.INSPECTOR)
@blp.arguments(HeldActionSchema)
@blp.response(200, SyncedInspectionSchema)
def decide_held_action(data, inspection_id: int):
    """`{decision: apply|drop}` for a suspension or recall held because the batch changed meanwhile.

    `apply` carries it out on the batch as it is now (409 if its status no longer allows it); asked again once
    decided, it answers with the inspection unchanged."""
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    return field.decide_held_action(db.session, current_user, inspection, data["decision"])


@blp.route("/inspections/<int:inspection_id>/photos/<client_key>", methods=["PUT"])
@roles(Role.INSPECTOR)
@names_oversized_request("photo")
@blp.arguments(KeyedPhotoSchema, location="files")
@blp.response(200, InspectionSchema)
def put_photo(files, inspection_id: int, client_key: str):
    """Upload one photo under a key the phone made (a UUID); the same key again stores nothing more.

    multipart/form-data, field `photo`; the same checks as `POST …/photos`. The phone deletes its copy once
    this answers 200: a lost answer is repaired by sending again."""
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    field.check_key(client_key)
    return field.add_keyed_photo(db.session, current_user, inspection, client_key, files["photo"])


@blp.route("/field-pack")
@roles(Role.INSPECTOR)
@blp.arguments(FieldPackQuerySchema, location="query")
@blp.response(200)
def field_pack(query):
    """The field pack of communes of the reference list (`?commune=`, a code or a name, repeated), organisations
    (`?organization_id=`) or sites (`?site_id=`): organisations, sites and batches with their records, codes,
    versions, recalled or suspended inputs and open consumer reports, for offline work."""
    choice = field.PackChoice(query["commune"], query["organization_id"], query["site_id"])
    return field.build_pack(db.session, choice)


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
    """Consumer reports: open ones (new, in review) oldest first, or those of `?status=`, `?kind=`.

    An agency's inspector gets the reports sent to their agency, as their queue page shows; `?whole=true` gives
    the whole province's (every agency's and the provincial queue's). An inspector without an agency always gets
    the whole province's."""
    status, kind = query.get("status"), query.get("kind")
    agency = scope.agency_of(db.session, current_user)
    agency_id = ALL if agency is None or query["whole"] else agency.id
    return open_reports(db.session, status.value if status else None, kind.value if kind else None, agency_id)


@blp.route("/reports/<int:report_id>", methods=["PATCH"])
@roles(Role.INSPECTOR)
@blp.arguments(ReportUpdateSchema)
@blp.response(200, ReportSchema)
def update_report(data, report_id: int):
    """Move a report along (`in_review`, `resolved`, `dismissed`) and/or write the reply the reporter sees."""
    report = get_visible(db.session, ConsumerReport, report_id, current_user)
    services.update_report(db.session, current_user, report, data)
    return report
