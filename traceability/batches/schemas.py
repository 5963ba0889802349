"""Inputs and outputs of batches and their records. The same schemas check the HTML forms, the API and the
CSV import, so a rule holds wherever the data comes from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from traceability.batches.models import LOCAL_ZONE, BatchStatus, ChemicalPurpose, EventType, LabResult
from traceability.schemas import BaseSchema, decimal_field, out_of_range, text_field

LOT_CODE = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$",
    error=_l("Up to 20 letters, digits, dots, dashes or slashes (GS1 lot number)."),
)
# the facts of a published batch that an amendment may change
AMENDABLE = ("quantity", "unit", "planted_on", "harvested_on", "produced_on", "expires_on", "note", "site_id")


def _positive(error: Any = None) -> validate.Range:
    return validate.Range(min=0, min_inclusive=False, error=error or _l("Must be more than 0."))


class LocalDateTime(fields.DateTime):
    """A moment; a time without a zone (an HTML datetime-local field) is read as Việt Nam time."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LOCAL_ZONE)
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError as exc:  # 0001-01-01 at +14:00 is before the calendar starts in UTC
            raise self.make_error("invalid") from exc


class BatchInputInSchema(BaseSchema):
    batch_id = fields.Integer(required=True)
    quantity = decimal_field(required=True, validate=_positive())


class BatchInSchema(BaseSchema):
    """A batch (lot). Without a lot code one is suggested; without an expiry date it follows the shelf life."""

    product_id = fields.Integer(required=True)
    site_id = fields.Integer(load_default=None)
    lot_code = fields.String(load_default=None, validate=LOT_CODE)
    quantity = decimal_field(required=True, validate=_positive())
    unit = text_field(20)
    planted_on = fields.Date(load_default=None)
    harvested_on = fields.Date(load_default=None)
    produced_on = fields.Date(load_default=None)
    expires_on = fields.Date(load_default=None)
    note = text_field(5000)
    inputs = fields.List(fields.Nested(BatchInputInSchema), load_default=list)

    @validates_schema
    def _distinct_inputs(self, data: dict, **_kwargs: Any) -> None:
        ids = [item["batch_id"] for item in data.get("inputs") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError(str(_l("The same input batch is listed twice.")), "inputs")


class BatchPatchSchema(BatchInSchema):
    """A change to some fields of a draft."""

    # on a new batch an absent unit is the product's; a draft always has one, so it cannot be set to null
    unit = fields.String(validate=validate.Length(min=1, max=20))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class BatchFilterSchema(BaseSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    product_id = fields.Integer(load_default=None)
    status = fields.Enum(BatchStatus, by_value=True, load_default=None)
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


class EventInSchema(BaseSchema):
    type = fields.Enum(EventType, by_value=True, required=True)
    occurred_at = LocalDateTime(required=True)
    site_id = fields.Integer(load_default=None)
    note = text_field(2000)


class ChemicalInSchema(BaseSchema):
    applied_on = fields.Date(required=True)
    trade_name = text_field(200, required=True)
    active_ingredient = text_field(300, required=True)
    registration_no = text_field(60)
    purpose = fields.Enum(ChemicalPurpose, by_value=True, required=True)
    dose = decimal_field(validate=_positive())
    dose_unit = text_field(20)
    area_treated = decimal_field(validate=_positive())
    phi_days = fields.Integer(load_default=None, validate=validate.Range(0, 365, error=_l("Between 0 and 365 days.")))


class LabTestInSchema(BaseSchema):
    laboratory = text_field(200, required=True)
    certificate_no = text_field(80)
    sampled_on = fields.Date(required=True)
    reported_on = fields.Date(load_default=None)
    analyte = text_field(200, required=True)
    result = fields.Enum(LabResult, by_value=True, required=True)
    value = text_field(60)
    unit = text_field(20)
    limit_value = fields.String(data_key="limit", load_default=None, validate=validate.Length(min=1, max=60))

    @validates_schema
    def _date_order(self, data: dict, **_kwargs: Any) -> None:
        if data.get("reported_on") and data.get("sampled_on") and data["reported_on"] < data["sampled_on"]:
            raise ValidationError(str(_l("The report cannot come before the sample was taken.")), "reported_on")


class AmendedValue(fields.Raw):
    """The new value in its field's own JSON type (a number for quantity, an ISO date, text); the text form an
    HTML form sends is read the same way."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError(str(_l("A number, a date or a text.")))
        if isinstance(value, str):
            validate.Length(max=5000)(value)
        return value


class AmendmentInSchema(BaseSchema):
    field = fields.String(required=True, validate=validate.OneOf(AMENDABLE))
    value = AmendedValue(
        load_default=None,
        allow_none=True,
        metadata={"oneOf": [{"type": "number"}, {"type": "string", "maxLength": 5000}], "nullable": True},
    )
    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))

    def value_field(self, data: dict) -> fields.Field | None:
        """The batch field whose rule types `value` (forms read its decimal commas and dd/mm/yyyy days)."""
        return BatchInSchema().fields.get(data.get("field") or "")

    @post_load
    def _typed(self, data: dict, **_kwargs: Any) -> dict:
        """Check the new value with the same rule as the batch field it replaces."""
        name, raw = data["field"], data.get("value")
        if raw is None:
            data["typed"] = None
            return data
        try:
            field = BatchInSchema().fields[name]
            data["typed"] = field.deserialize(raw)
            for validator in field.validators:
                validator(data["typed"])
            problem = out_of_range(data["typed"])
            if problem:
                raise ValidationError(problem)
        except ValidationError as exc:
            raise ValidationError(exc.messages, "value") from exc
        return data


# ---- outputs


class BatchInputSchema(Schema):
    batch_id = fields.Integer(attribute="input_batch_id")
    lot_code = fields.Function(lambda i: i.input_batch.lot_code)
    quantity = fields.Float()


class BatchSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    site_id = fields.Integer(allow_none=True)
    lot_code = fields.String()
    quantity = fields.Float()
    unit = fields.String()
    planted_on = fields.Date(allow_none=True)
    harvested_on = fields.Date(allow_none=True)
    produced_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    status = fields.Enum(BatchStatus, by_value=True)
    published_at = fields.DateTime(allow_none=True)
    inputs = fields.List(fields.Nested(BatchInputSchema))


class EventSchema(Schema):
    id = fields.Integer()
    type = fields.Enum(EventType, by_value=True)
    occurred_at = fields.DateTime()
    site_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class ChemicalSchema(Schema):
    id = fields.Integer()
    applied_on = fields.Date()
    trade_name = fields.String()
    active_ingredient = fields.String()
    registration_no = fields.String(allow_none=True)
    purpose = fields.Enum(ChemicalPurpose, by_value=True)
    dose = fields.Float(allow_none=True)
    dose_unit = fields.String(allow_none=True)
    area_treated = fields.Float(allow_none=True)
    phi_days = fields.Integer(allow_none=True)


class LabTestSchema(Schema):
    id = fields.Integer()
    laboratory = fields.String()
    certificate_no = fields.String(allow_none=True)
    sampled_on = fields.Date()
    reported_on = fields.Date(allow_none=True)
    analyte = fields.String()
    result = fields.Enum(LabResult, by_value=True)
    value = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    limit_value = fields.String(data_key="limit", allow_none=True)
    has_document = fields.Function(lambda test: test.document_path is not None)


class LabTestDocumentSchema(BaseSchema):
    """multipart/form-data: the laboratory's report (PDF, JPEG, PNG or WebP, checked by its content)."""

    document = Upload(required=True)


class AmendmentSchema(Schema):
    id = fields.Integer()
    field = fields.String()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


class ProblemSchema(Schema):
    field = fields.String()
    rule = fields.String()
    message = fields.String()


class PublishedSchema(Schema):
    status = fields.String()
    code = fields.String()
    url = fields.String()
