"""Input of the reference data: the substance form admins fill in."""

from __future__ import annotations

from marshmallow import fields, validate

from traceability.reference.models import SubstanceKind, SubstanceStatus
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
