"""Input and output of the reference data: banned substances, product categories and communes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from traceability.reference.models import AgencyKind, CommuneKind, SubstanceKind, SubstanceStatus
from traceability.schemas import BaseSchema


class SubstanceInSchema(BaseSchema):
    """An active ingredient that may not be used; synonyms separated by ';'."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    synonyms = fields.String(load_default=None, validate=validate.Length(max=2000))
    status = fields.Enum(SubstanceStatus, by_value=True, required=True)
    kind = fields.Enum(SubstanceKind, by_value=True, load_default=SubstanceKind.PESTICIDE)
    group = fields.String(load_default=None, validate=validate.Length(max=40))
    effective_from = fields.Date(load_default=None)
    legal_source = fields.String(load_default=None, validate=validate.Length(max=300))
    is_checked = fields.Boolean(load_default=False)


class CategoryInSchema(BaseSchema):
    """An entry of the product-category list, as the admin keeps it."""

    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9_]{2,60}$", error=_l("Lower-case letters, digits and _ only (2–60).")),
    )
    name_vi = fields.String(required=True, validate=validate.Length(min=2, max=120))
    name_en = fields.String(required=True, validate=validate.Length(min=2, max=120))
    position = fields.Integer(load_default=100, validate=validate.Range(0, 100_000))
    is_key_product = fields.Boolean(load_default=False)
    is_active = fields.Boolean(load_default=False)


class CommuneInSchema(BaseSchema):
    """A commune or ward of the list, as the admin keeps it (the statistics office's code for real units)."""

    code = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{2,10}$", error=_l("Letters and digits only (2–10)."))
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(CommuneKind.ALL))
    province = fields.String(required=True, validate=validate.Length(min=2, max=100))
    is_active = fields.Boolean(load_default=False)


class CategorySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    position = fields.Integer()
    is_key_product = fields.Boolean()
    is_active = fields.Boolean()


class CommuneSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    province = fields.String()
    is_active = fields.Boolean()


class CommuneQuerySchema(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=100))


class _AgencyFields(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.Enum(AgencyKind, by_value=True, required=True)


class AgencyInSchema(_AgencyFields):
    """An inspecting body, as the admin keeps it: none chosen among communes (or categories) means all of them."""

    commune_ids = fields.List(fields.Integer(), load_default=list)
    category_ids = fields.List(fields.Integer(), load_default=list)
    is_active = fields.Boolean(load_default=False)  # a form's unticked box sends nothing


_ALL = "none: every {} of the province"
_CODE = validate.Length(min=1, max=60)


class AgencyApiInSchema(_AgencyFields):
    """An inspecting body through the API: the communes and categories it covers named by their codes."""

    commune_codes = fields.List(
        fields.String(validate=_CODE),
        load_default=list,
        validate=validate.Length(max=500),
        metadata={"description": "codes of `GET /api/v1/communes`; " + _ALL.format("commune")},
    )
    category_codes = fields.List(
        fields.String(validate=_CODE),
        load_default=list,
        validate=validate.Length(max=500),
        metadata={"description": "codes of `GET /api/v1/categories`; " + _ALL.format("category")},
    )
    is_active = fields.Boolean(
        load_default=True, metadata={"description": "false: kept for the actions it recorded; no inspector joins it"}
    )


class AgencyPatchSchema(AgencyApiInSchema):
    """Only the fields given change; a list given replaces the one kept."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class CoveredCommuneSchema(Schema):  # its own name in the API's document, beside the list's whole schema
    code = fields.String()
    name = fields.String()


class CoveredCategorySchema(Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


class AgencySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(AgencyKind, by_value=True)
    is_active = fields.Boolean()
    communes = fields.List(
        fields.Nested(CoveredCommuneSchema), metadata={"description": "the communes covered; " + _ALL.format("commune")}
    )
    categories = fields.List(
        fields.Nested(CoveredCategorySchema),
        metadata={"description": "the product categories covered; " + _ALL.format("category")},
    )
    inspector_count = fields.Integer(metadata={"description": "the inspectors who work for it"})
