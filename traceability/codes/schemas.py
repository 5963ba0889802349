"""What goes in and out of codes: issuing, revoking, QR images and label sheets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from traceability.codes import qr
from traceability.codes.labels import DEFAULT_PER_PAGE, GRIDS
from traceability.schemas import BaseSchema

_REASON = validate.Length(min=3, max=500)


class CodeIssueSchema(BaseSchema):
    """How many unit codes to draw for a published batch (a missing count is refused by the service, after the
    batch is found, so that another organisation's batch answers 404 whatever the body)."""

    count = fields.Integer(load_default=None)  # its bounds (CODE_ISSUE_MAX_*) are checked by the service


class IssuedCodeSchema(Schema):
    code = fields.String()
    grouped = fields.String()
    url = fields.String()


class CodeRevokeSchema(BaseSchema):
    """Either a list of codes, or a batch and the first and last code of a run; always a reason."""

    codes = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=1000))
    batch_id = fields.Integer()
    from_code = fields.String(validate=validate.Length(max=40))
    to_code = fields.String(validate=validate.Length(max=40))
    reason = fields.String(required=True, validate=_REASON)

    @validates_schema
    def _one_way(self, data: dict, **_kwargs) -> None:
        is_range = any(k in data for k in ("batch_id", "from_code", "to_code"))
        if data.get("codes") and is_range:
            raise ValidationError(str(_l("Give either codes or a range, not both.")), "codes")
        if is_range:
            missing = {
                k: [str(_l("Needed for a range."))] for k in ("batch_id", "from_code", "to_code") if k not in data
            }
            if missing:
                raise ValidationError(missing)
        elif not data.get("codes"):
            raise ValidationError(str(_l("Give the codes to revoke, or the first and last code of a range.")), "codes")


class RevokeResultSchema(Schema):
    revoked = fields.Integer()


class QRQuerySchema(BaseSchema):
    class Meta:
        unknown = EXCLUDE  # links carry other parameters too (lang, download)

    size = fields.Integer(
        load_default=qr.DEFAULT_SIZE,
        validate=validate.Range(min=qr.MIN_SIZE, max=qr.MAX_SIZE, error=_l("Between 64 and 2048 pixels.")),
    )


class LabelJobSchema(BaseSchema):
    """A label sheet of unit codes made by the worker: the grid, and optionally a run of the batch's codes."""

    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.OneOf(sorted(GRIDS)))
    from_code = fields.String(validate=validate.Length(max=40))
    to_code = fields.String(validate=validate.Length(max=40))


class LabelQuerySchema(BaseSchema):
    """Which codes a label sheet prints, and on which grid."""

    class Meta:
        unknown = EXCLUDE

    codes = fields.String(load_default="lot", validate=validate.OneOf(["lot", "serial"]))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.OneOf(sorted(GRIDS)))
    from_code = fields.String(validate=validate.Length(max=40))
    to_code = fields.String(validate=validate.Length(max=40))
    # a run longer than a sheet may hold (LABEL_SHEET_MAX_CODES) is printed in parts: 1, 2, …
    part = fields.Integer(validate=validate.Range(min=1, error=_l("Parts are numbered from 1.")))
