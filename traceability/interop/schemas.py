"""Query parameters of the interop downloads."""

from __future__ import annotations

from marshmallow import fields, validate

from traceability.interop.trace import COLUMNS, DIRECTIONS, FORMATS
from traceability.schemas import BaseSchema

SORTS = [*COLUMNS, *(f"-{c}" for c in COLUMNS)]


class TraceQuerySchema(BaseSchema):
    """`direction` back, forward or both (the whole tree, by default); `format` json, csv or xlsx; `sort` a
    column name, `-column` for descending."""

    direction = fields.String(load_default="both", validate=validate.OneOf(DIRECTIONS))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS))


class EpcisQuerySchema(BaseSchema):
    """Without `direction`, the batch alone; with it (back, forward or both), every lot of its trace."""

    direction = fields.String(load_default=None, validate=validate.OneOf(DIRECTIONS))


class ExportQuerySchema(BaseSchema):
    """`format` csv or xlsx; inspectors and admins name the organisation."""

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    organization_id = fields.Integer(load_default=None, strict=False)
