"""Inputs and outputs of accounts: organisations, users, logins, tokens."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from traceability.accounts.models import OrgKind, OrgStatus, Role
from traceability.schemas import BaseSchema, CodeOrId, commune_given

TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")


def validate_tax_code(value: str) -> None:
    if not TAX_CODE_RE.match(value):
        raise ValidationError(str(_l("A tax code has 10 digits, or 10 digits, a dash and 3 digits.")))


class LoginSchema(BaseSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=200))
    remember = fields.Boolean(load_default=False)
    next = fields.String(load_default=None)


class TokenRequestSchema(BaseSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=200))
    name = fields.String(load_default="api", validate=validate.Length(max=100))
    days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=365))


class TokenInfoSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    current = fields.Boolean()


class NewTokenSchema(TokenInfoSchema):
    token = fields.String()


class OrganizationInSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    tax_code = fields.String(required=True, validate=validate_tax_code)
    province = fields.String(load_default=None, validate=validate.Length(min=2, max=100))
    commune_code = CodeOrId(load_default=None, validate=validate.Length(max=10))  # from the list (GET /communes)
    commune = fields.String(load_default=None, validate=validate.Length(min=2, max=100))  # outside the list: typed
    address = fields.String(required=True, validate=validate.Length(min=3, max=300))
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$"))
    email = fields.Email(load_default=None)
    website = fields.URL(load_default=None, schemes={"http", "https"})
    gs1_prefix = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6,12}$"))

    @validates_schema(skip_on_field_errors=False)  # said with the other fields' messages, not after them
    def _place(self, data: dict, **_kwargs: Any) -> None:
        commune_given(data, self.partial)
        if not data.get("commune_code") and not data.get("province"):
            raise ValidationError(str(_l("Name the province of a commune outside the list.")), "province")


class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(OrgKind, by_value=True)
    tax_code = fields.String()
    province = fields.String()
    commune_code = fields.String(allow_none=True)
    commune = fields.String()
    address = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    gs1_prefix = fields.String(allow_none=True)
    status = fields.Enum(OrgStatus, by_value=True)
    status_reason = fields.String(allow_none=True)
    status_changed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class UserInSchema(BaseSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))
    full_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$"))


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    organization_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()


class VerifySchema(BaseSchema):
    """Verify an organisation, or suspend/reject it with a reason."""

    suspend = fields.Boolean(load_default=False)
    reject = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class SignupSchema(BaseSchema):
    """A business registers itself and its first user; it waits for an admin's verification."""

    organization = fields.Nested(OrganizationInSchema, required=True)
    user = fields.Nested(UserInSchema, required=True)


class InviteSchema(BaseSchema):
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=2, max=200))


class PasswordSchema(BaseSchema):
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))


class StaffUserInSchema(UserInSchema):
    """An admin creates an inspector's or another admin's account."""

    role = fields.Enum(Role, by_value=True, required=True, validate=validate.OneOf([Role.INSPECTOR, Role.ADMIN]))


class EmailSchema(BaseSchema):
    email = fields.Email(required=True)


class MessageSchema(Schema):
    message = fields.String()


class UserAgencyInSchema(BaseSchema):
    """The agency an inspector works for; blank for a provincial inspector."""

    agency_id = fields.Integer(load_default=None, allow_none=True)
