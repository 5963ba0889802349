"""Inputs and outputs of the reference data."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from traceability.reference.models import SubstanceStatus
from traceability.schemas import BaseSchema


class SubstanceInSchema(BaseSchema):
    """An active ingredient that may not be used; synonyms separated by ';'."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    synonyms = fields.String(load_default=None, validate=validate.Length(max=2000))
    status = fields.Enum(SubstanceStatus, by_value=True, required=True)
    group = fields.String(load_default=None, validate=validate.Length(max=40))
    effective_from = fields.Date(load_default=None)
    legal_source = fields.String(load_default=None, validate=validate.Length(max=300))
    is_checked = fields.Boolean(load_default=False)


class SubstanceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    synonyms = fields.String()
    status = fields.Enum(SubstanceStatus, by_value=True)
    group = fields.String()
    effective_from = fields.Date()
    legal_source = fields.String()
    is_checked = fields.Boolean()
    updated_at = fields.DateTime()
