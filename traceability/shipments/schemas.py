"""What goes in and out of shipments, suppliers and deliveries (the same schemas check the forms and the API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from traceability.batches.schemas import ChemicalSchema, EventSchema, LabTestSchema
from traceability.registry.schemas import CertificationSchema, ProductSchema, SiteSchema
from traceability.schemas import BaseSchema, CodeOrId, decimal_field, text_field
from traceability.shipments.models import ShipmentStatus

AREA_CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9./-]{1,39}$", error=_l("Letters, digits and dashes only."))
TAX_CODE = validate.Regexp(r"^[0-9]{10}(-[0-9]{3})?$", error=_l("A tax code has 10 digits (or 10-3 for a branch)."))


def _positive() -> validate.Range:
    return validate.Range(min=0, min_inclusive=False, error=_l("Must be more than 0."))


class ShipmentInSchema(BaseSchema):
    """A shipment of one of the caller's published lots to another organisation, named by its tax code."""

    batch_id = fields.Integer(required=True)
    to_tax_code = fields.String(required=True, validate=TAX_CODE)
    to_site_id = fields.Integer(load_default=None)
    from_site_id = fields.Integer(load_default=None)
    quantity = decimal_field(required=True, validate=_positive())
    unit = text_field(20)
    shipped_on = fields.Date(required=True)
    reference_doc = text_field(80, required=True)
    invite_email = fields.Email(load_default=None, validate=validate.Length(max=254))
    invite = fields.Boolean(load_default=False, metadata={"description": "a link to pass on to an unregistered buyer"})
    invite_language = fields.String(
        load_default=None,
        validate=validate.OneOf(["vi", "en"], error=_l("Vietnamese (vi) or English (en).")),
        metadata={"description": "the language of the invitation e-mail: `vi` (the default) or `en`"},
    )


class ShipmentFilterSchema(BaseSchema):
    direction = fields.String(load_default=None, validate=validate.OneOf(["in", "out"]))


class SupplierOrganizationSchema(Schema):
    name = fields.String()
    tax_code = fields.String()
    status = fields.String(attribute="status.value")
    province = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)


class BuyerSearchSchema(BaseSchema):
    q = text_field(100, required=True, min_len=2)


class BuyerSchema(Schema):
    """A verified organisation as a sender may find it: what its consumer pages show anyway."""

    id = fields.Integer()
    name = fields.String()
    tax_code = fields.String()
    kind = fields.String(attribute="kind.value")
    commune = fields.String(allow_none=True)
    province = fields.String(allow_none=True)


class ShipmentAcceptSchema(BaseSchema):
    """The receipt: when, how much actually arrived (at most what was shipped; all of it when not given)."""

    received_on = fields.Date(required=True)
    quantity = decimal_field(validate=_positive())
    note = text_field(2000)
    site_id = fields.Integer(load_default=None, metadata={"description": "the caller's site that received it"})


class ShipmentRefuseSchema(BaseSchema):
    reason = text_field(500, required=True, min_len=3)


class ShipmentSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    lot_code = fields.String(attribute="batch.lot_code")
    product = fields.String(attribute="batch.product.name")
    from_organization = fields.String(attribute="organization.name")
    to_tax_code = fields.String()
    to_organization = fields.String(attribute="to_organization.name", allow_none=True)
    to_site_id = fields.Integer(allow_none=True)
    from_site_id = fields.Integer(allow_none=True)
    quantity = fields.Float()
    unit = fields.String()
    shipped_on = fields.Date()
    reference_doc = fields.String()
    status = fields.Enum(ShipmentStatus, by_value=True)
    received_on = fields.Date(allow_none=True)
    received_quantity = fields.Float(allow_none=True)
    received_batch_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    refused_reason = fields.String(allow_none=True)


class ShipmentAcceptedSchema(ShipmentSchema):
    """The accepted shipment, and `batch_id` is now the caller's received lot (`shipped_batch_id` the sender's)."""

    class Meta:
        exclude = ("received_batch_id",)

    batch_id = fields.Integer(attribute="received_batch_id")
    shipped_batch_id = fields.Integer(attribute="batch_id")


class ShipmentSentSchema(ShipmentSchema):
    invite_url = fields.String(allow_none=True)


class SourceLotSchema(Schema):
    """The supplier's lot a received lot came from, read-only, as the supplier published it."""

    received_batch_id = fields.Integer(metadata={"description": "the caller's received lot"})
    shipment_id = fields.Integer(attribute="shipment.id")
    batch_id = fields.Integer(attribute="lot.id", metadata={"description": "the supplier's lot"})
    lot_code = fields.String(attribute="lot.lot_code")
    status = fields.String(attribute="lot.status.value")
    quantity = fields.Float(attribute="lot.quantity")
    unit = fields.String(attribute="lot.unit")
    planted_on = fields.Date(attribute="lot.planted_on", allow_none=True)
    harvested_on = fields.Date(attribute="lot.harvested_on", allow_none=True)
    produced_on = fields.Date(attribute="lot.produced_on", allow_none=True)
    expires_on = fields.Date(attribute="lot.expires_on", allow_none=True)
    organization = fields.Nested(SupplierOrganizationSchema)
    product = fields.Nested(ProductSchema)
    origin = fields.Nested(SiteSchema, allow_none=True)
    events = fields.List(fields.Nested(EventSchema))
    chemicals = fields.List(fields.Nested(ChemicalSchema))
    lab_tests = fields.List(fields.Nested(LabTestSchema))
    certifications = fields.List(fields.Nested(CertificationSchema))


class SupplierInSchema(BaseSchema):
    """A household or member farm delivering to the caller's organisation."""

    name = text_field(200, required=True, min_len=2)
    id_number = fields.String(
        load_default=None, validate=validate.Regexp(r"^[0-9]{9}([0-9]{3})?$", error=_l("9 or 12 digits."))
    )
    phone = fields.String(
        load_default=None, validate=validate.Regexp(r"^\+?[0-9 .]{8,15}$", error=_l("Not a phone number."))
    )
    commune_code = CodeOrId(load_default=None, validate=validate.Length(max=10))  # from the list
    commune = text_field(100)  # typed: outside the list
    address = text_field(300)
    area_code = fields.String(load_default=None, validate=AREA_CODE)
    latitude = decimal_field(9, 6, validate=validate.Range(-90, 90, error=_l("Between -90 and 90.")))
    longitude = decimal_field(9, 6, validate=validate.Range(-180, 180, error=_l("Between -180 and 180.")))

    @validates_schema
    def _reachable(self, data: dict, **_kwargs: Any) -> None:
        if self.partial:
            return
        if not data.get("id_number") and not data.get("phone"):
            raise ValidationError(str(_l("Give the ID number or the phone number.")), "id_number")


class SupplierPatchSchema(SupplierInSchema):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class SupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    area_code = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class DeliveryInSchema(BaseSchema):
    supplier_id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    quantity = decimal_field(required=True, validate=_positive())
    unit = text_field(20)
    received_on = fields.Date(required=True)
    harvested_on = fields.Date(load_default=None)
    reference_doc = text_field(80)


class DeliverySchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    lot_code = fields.String(attribute="batch.lot_code")
    supplier_id = fields.Integer()
    product_id = fields.Integer()
    quantity = fields.Float(attribute="batch.quantity")
    unit = fields.String(attribute="batch.unit")
    received_on = fields.Date()
    harvested_on = fields.Date(attribute="batch.harvested_on")
    reference_doc = fields.String(allow_none=True)
    area_code = fields.String()
    status = fields.String(attribute="batch.status.value")
