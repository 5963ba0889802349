"""Inputs and outputs of the registry: sites, products, certifications (shared by forms and the API)."""

from __future__ import annotations

from typing import Any

from biip import ParseError
from biip.gtin import Gtin
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from traceability.registry.models import SiteKind
from traceability.schemas import BaseSchema, CodeOrId, commune_given, decimal_field, text_field


class GtinField(fields.String):
    """A GTIN-8/12/13/14, checked digit included; loaded as its 14-digit form."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = "".join(super()._deserialize(value, attr, data, **kwargs).split())
        if not text.isdigit() or len(text) not in (8, 12, 13, 14):
            raise ValidationError(str(_l("A GTIN has 8, 12, 13 or 14 digits.")))
        try:
            return Gtin.parse(text).as_gtin_14()
        except ParseError as exc:
            if "check digit" in str(exc):
                raise ValidationError(
                    str(_l("The check digit (the last digit) is wrong: check the number printed on the barcode."))
                ) from exc
            raise ValidationError(str(_l("Not a valid GTIN."))) from exc


class SiteInSchema(BaseSchema):
    kind = fields.Enum(SiteKind, by_value=True, required=True)
    name = text_field(200, required=True, min_len=2)
    area_code = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9./-]{1,39}$", error=_l("Letters, digits and dashes only.")),
    )
    province = text_field(100, min_len=2)
    commune_code = CodeOrId(load_default=None, validate=validate.Length(max=10))
    commune = text_field(100, min_len=2)
    address = text_field(300)
    latitude = decimal_field(9, 6, validate=validate.Range(-90, 90, error=_l("Between -90 and 90.")))
    longitude = decimal_field(9, 6, validate=validate.Range(-180, 180, error=_l("Between -180 and 180.")))
    area_ha = decimal_field(12, 4, validate=validate.Range(0, 100_000, error=_l("Between 0 and 100,000 ha.")))

    @validates_schema
    def _both_coordinates(self, data: dict, **_kwargs: Any) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            missing = "longitude" if data.get("longitude") is None else "latitude"
            raise ValidationError(str(_l("Give both latitude and longitude, or neither.")), missing)

    @validates_schema(skip_on_field_errors=False)  # said with the other fields' messages, not after them
    def _commune(self, data: dict, **_kwargs: Any) -> None:
        commune_given(data, self.partial)
        if not self.partial and not data.get("commune_code") and not data.get("province"):
            raise ValidationError(str(_l("Name the province of a commune outside the list.")), "province")


class SitePatchSchema(SiteInSchema):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class SiteSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(SiteKind, by_value=True)
    name = fields.String()
    area_code = fields.String(allow_none=True)
    province = fields.String()
    commune_code = fields.String(allow_none=True)
    commune = fields.String()
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    area_ha = fields.Float(allow_none=True)


class ProductInSchema(BaseSchema):
    name = text_field(200, required=True, min_len=2)
    category = CodeOrId(required=True, validate=validate.Length(min=1, max=120))  # code, id or name of the list
    gtin = GtinField(load_default=None)
    brand = text_field(120)
    unit = text_field(20, required=True)
    shelf_life_days = fields.Integer(
        load_default=None, validate=validate.Range(0, 36_500, error=_l("Between 0 and 36,500 days."))
    )
    description = text_field(5000)
    standards = text_field(300)


class ProductPatchSchema(ProductInSchema):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class ProductSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String(attribute="category_code")
    category_name = fields.Function(lambda p: p.category.name)
    gtin = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    unit = fields.String()
    shelf_life_days = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    standards = fields.String(allow_none=True)
    has_image = fields.Function(lambda p: bool(p.image_path))


class ProductImageSchema(BaseSchema):
    """multipart/form-data: the product's picture (JPEG, PNG or WebP, checked by its content)."""

    image = Upload(required=True)


class CertificationInSchema(BaseSchema):
    scheme = text_field(40, required=True, min_len=2)
    number = text_field(80, required=True)
    issuer = text_field(200, required=True, min_len=2)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None)
    site_id = fields.Integer(load_default=None)

    @validates_schema
    def _validity_order(self, data: dict, **_kwargs: Any) -> None:
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            raise ValidationError(str(_l("The end of validity comes before its start.")), "valid_to")


class CertificationSchema(Schema):
    id = fields.Integer()
    scheme = fields.String()
    number = fields.String()
    issuer = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    has_document = fields.Function(lambda c: bool(c.document_path))


class CertificationDocumentSchema(BaseSchema):
    """multipart/form-data: the certificate itself (PDF, JPEG, PNG or WebP, checked by its content)."""

    document = Upload(required=True)
