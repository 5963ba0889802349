"""Inputs and outputs of the inspector workspace (the same schemas check the HTML forms and the API)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from traceability.batches.models import BatchStatus
from traceability.inspection.models import InspectionAction, InspectionResult
from traceability.public.models import ReportKind, ReportStatus
from traceability.schemas import BaseSchema, decimal_field

MAX_PERIOD_DAYS = 5 * 366
CLIENT_KEY = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"  # a UUID


class SampleInSchema(BaseSchema):
    sample_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    laboratory = fields.String(load_default=None, validate=validate.Length(max=200))
    note = fields.String(load_default=None, validate=validate.Length(max=300))


class InspectionInSchema(BaseSchema):
    """A field check: what was inspected, the result, and the action taken (suspend and recall need a reason)."""

    batch_id = fields.Integer(load_default=None)
    site_id = fields.Integer(load_default=None)
    organization_id = fields.Integer(load_default=None)
    result = fields.Enum(InspectionResult, by_value=True, required=True)
    findings = fields.String(load_default=None, validate=validate.Length(max=5000))
    action = fields.Enum(InspectionAction, by_value=True, load_default=InspectionAction.NONE)
    reason = fields.String(load_default=None, validate=validate.Length(max=500))
    latitude = decimal_field(9, 6, validate=validate.Range(-90, 90, error=_l("Between -90 and 90.")))
    longitude = decimal_field(9, 6, validate=validate.Range(-180, 180, error=_l("Between -180 and 180.")))
    samples = fields.List(fields.Nested(SampleInSchema), load_default=list, validate=validate.Length(max=20))
    # a key the phone made (a UUID): sent again after a timeout, the same inspection answers, nothing is added
    client_key = fields.String(load_default=None, validate=validate.Regexp(CLIENT_KEY, error=_l("Not a valid key.")))
    # the batch's version as the field pack saw it: a suspension or recall is held if the batch changed since
    batch_version = fields.String(load_default=None, validate=validate.Length(max=64))
    # when it happened, for a record sent after the fact (no signal in the field); now if not given
    inspected_at = fields.AwareDateTime(load_default=None, default_timezone=dt.UTC)

    @validates("inspected_at")
    def _not_in_future(self, value: dt.datetime | None, **_kwargs: object) -> None:
        if value is not None and value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise ValidationError(str(_l("This time is in the future.")))

    @validates_schema
    def _position_whole(self, data: dict, **_kwargs: object) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            missing = "longitude" if data.get("longitude") is None else "latitude"
            raise ValidationError(str(_l("Give both latitude and longitude, or neither.")), missing)

    @validates_schema
    def _reason_for_status_change(self, data: dict, **_kwargs: object) -> None:
        changes_status = data.get("action") in (InspectionAction.SUSPEND, InspectionAction.RECALL)
        if changes_status and not (data.get("reason") or data.get("findings")):
            raise ValidationError(str(_l("A suspension or a recall needs a reason.")), "reason")


class ReasonSchema(BaseSchema):
    """Why a batch is suspended, resumed or recalled; the producer and the public page show it."""

    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class ReportUpdateSchema(BaseSchema):
    status = fields.Enum(ReportStatus, by_value=True)
    reply = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _something(self, data: dict, **_kwargs: object) -> None:
        if "status" not in data and "reply" not in data:
            raise ValidationError(str(_l("Change the status or write a reply.")), "status")


class ReportQuerySchema(BaseSchema):
    status = fields.Enum(ReportStatus, by_value=True, load_default=None)
    kind = fields.Enum(ReportKind, by_value=True, load_default=None)
    whole = fields.Boolean(
        load_default=False,
        metadata={"description": "true: every agency's reports; by default an agency's inspector gets its own."},
    )


class PeriodSchema(BaseSchema):
    """A period of local dates, both included (`from` and `to`, YYYY-MM-DD)."""

    first_on = fields.Date(data_key="from", load_default=None)
    last_on = fields.Date(data_key="to", load_default=None)
    year = fields.Integer(
        load_default=None, validate=validate.Range(2000, 2100, error=_l("A year between 2000 and 2100."))
    )
    whole = fields.Boolean(load_default=False)  # the whole province rather than the inspector's agency

    @validates_schema
    def _order(self, data: dict, **_kwargs: object) -> None:
        first, last = data.get("first_on"), data.get("last_on")
        if first and last:
            if last < first:
                raise ValidationError(str(_l("The end comes before the start.")), "to")
            if (last - first) > dt.timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError(str(_l("Choose a period of at most five years.")), "to")


class SampleSchema(Schema):
    sample_code = fields.String()
    laboratory = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class InspectionSchema(Schema):
    id = fields.Integer()
    inspector_id = fields.Integer()
    batch_id = fields.Integer(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    inspected_at = fields.DateTime()
    result = fields.Enum(InspectionResult, by_value=True)
    findings = fields.String(allow_none=True)
    action = fields.Enum(InspectionAction, by_value=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    samples = fields.List(fields.Nested(SampleSchema))
    photos = fields.List(fields.String())  # stored file names: GET /api/v1/inspections/{id}/photos/{name}
    client_key = fields.String(allow_none=True)
    held_action = fields.Enum(InspectionAction, by_value=True, allow_none=True)
    held_reason = fields.String(allow_none=True)


class ContactOrgSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class AffectedBatchSchema(Schema):
    batch_id = fields.Integer(attribute="batch.id")
    lot_code = fields.String(attribute="batch.lot_code")
    status = fields.Enum(BatchStatus, by_value=True, attribute="batch.status")
    depth = fields.Integer()
    organization = fields.Nested(ContactOrgSchema)
    contacts = fields.List(fields.String())


class InspectionOutcomeSchema(InspectionSchema):
    """The inspection, and for a recall every batch made from the recalled one."""

    affected = fields.List(fields.Nested(AffectedBatchSchema))


class SyncedInspectionSchema(InspectionOutcomeSchema):
    """An inspection sent from the phone: `repeated` if its key had arrived before; `conflict` says what changed
    on the batch since the field pack, when the suspension or recall is held (`held_action`) for a decision."""

    repeated = fields.Boolean()
    conflict = fields.List(fields.String())


class HeldActionSchema(BaseSchema):
    """The inspector's decision on a suspension or recall held because the batch changed meanwhile."""

    decision = fields.String(required=True, validate=validate.OneOf(["apply", "drop"]))


class FieldPackQuerySchema(BaseSchema):
    """What to take along: communes of the reference list (repeat `commune`: a code, or a name naming one),
    organisations or sites (repeat the id)."""

    commune = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    organization_id = fields.List(fields.Integer(), load_default=list)
    site_id = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def _something(self, data: dict, **_kwargs: object) -> None:
        if not (data.get("commune") or data.get("organization_id") or data.get("site_id")):
            raise ValidationError(str(_l("Choose at least one commune.")), "commune")
        if len(data.get("commune") or []) > 20:
            raise ValidationError(str(_l("At most 20 communes.")), "commune")


class KeyedPhotoSchema(BaseSchema):
    """multipart/form-data: one photo in a field named `photo`."""

    photo = Upload(required=True)


class BatchStatusSchema(Schema):
    id = fields.Integer()
    lot_code = fields.String()
    status = fields.Enum(BatchStatus, by_value=True)
    status_reason = fields.String(allow_none=True)
    status_changed_at = fields.DateTime(allow_none=True)
    affected = fields.List(fields.Nested(AffectedBatchSchema))


class ReportSchema(Schema):
    id = fields.Integer()
    receipt = fields.String()
    kind = fields.Enum(ReportKind, by_value=True)
    message = fields.String()
    contact = fields.String(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    code = fields.String(attribute="code.value")
    status = fields.Enum(ReportStatus, by_value=True)
    reply = fields.String(allow_none=True)
    handled_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class InspectionPhotosSchema(BaseSchema):
    """multipart/form-data: one or more photos, each in a field named `photos`."""

    photos = fields.List(Upload(), required=True, validate=validate.Length(min=1))
