"""What every input schema shares: tidy strings, treat an empty form field as absent, keep every value within
what the database can hold (so bad input is a 422 naming the field, never a 500)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate
from marshmallow import validate as _validate

from traceability.i18n import localise_field

# form fields that are not data
_FORM_ONLY = {"csrf_token", "submit"}
# control characters no text needs (tab and line breaks stay); XML, so XLSX, cannot hold them either
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# the database's integer columns (ids, counts, days)
MAX_INT = 2**31 - 1
# dates a record can sensibly carry; beyond them computing an expiry date could leave the calendar
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def clean_text(value: Any) -> Any:
    """Text without the control characters (NUL included) that XML, so spreadsheets, cannot hold."""
    if isinstance(value, str):
        return CONTROL.sub("", value).replace("\x00", "")
    return value


def localised(messages: Any) -> Any:
    """Error messages as plain strings in the user's language (lazy strings resolved)."""
    if isinstance(messages, dict):
        # marshmallow leaves a lazy (non-str) message unwrapped; a field's messages are always a list here
        return {k: localised(v if isinstance(v, dict | list) else [v]) for k, v in messages.items()}
    if isinstance(messages, list):
        return [localised(m) for m in messages]
    text = str(messages)
    return gettext(text) if has_request_context() else text


def text_field(max_len: int, *, required: bool = False, min_len: int = 1) -> fields.String:
    """A text field of `min_len` to `max_len` characters; when not required, absent means None."""
    kwargs: dict[str, Any] = {"required": True} if required else {"load_default": None}
    return fields.String(validate=validate.Length(min=min_len, max=max_len), **kwargs)


def decimal_field(digits: int = 14, places: int = 3, *, required: bool = False, validate: Any = None) -> fields.Decimal:
    """A decimal number that fits a Numeric(digits, places) column, and passes `validate` when given. Documented
    as a JSON number; a number or its text is accepted."""
    limit = Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)
    validators = [_validate.Range(-limit, limit, error=_l("Too large a number."))]
    validators += [validate] if validate is not None else []
    kwargs: dict[str, Any] = {"required": True} if required else {"load_default": None}
    return Number(places=places, validate=validators, **kwargs)


class Number(fields.Decimal):
    """A Decimal read from a number or its text; where it is written out (the OpenAPI bounds too) a JSON number."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        number = super()._serialize(value, attr, obj, **kwargs)
        return None if number is None else float(number)

    def _validated(self, value: Any) -> Decimal:
        try:
            return super()._validated(value)
        except ArithmeticError as exc:  # an exponent too large to round (1e999999)
            raise self.make_error("invalid") from exc


class BaseSchema(Schema):
    """Base for every input schema, used alike by HTML forms (request.form) and the JSON API."""

    # marshmallow's own hook for a schema's messages (rather than patching its private defaults)
    error_messages = {"unknown": _l("Unknown field."), "type": _l("Invalid input type.")}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        localise_field(field_obj)  # marshmallow's hook: messages in the catalogs' words, on this schema's copy

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        error.messages = localised(error.messages)

    @pre_load
    def _tidy(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        tidy, errors = {}, {}
        for key, value in data.items():
            if key in _FORM_ONLY:
                continue
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(text, str) and "\x00" in text for text in texts):
                # no database keeps a NUL character, and it is never meant
                errors[key] = [str(_l("Contains a character that is not allowed (NUL)."))]
                continue
            if isinstance(value, list):
                value = [clean_text(item) for item in value]
            if isinstance(value, str):
                value = clean_text(value).strip()
                if value == "":
                    continue  # an empty form field means "not given"
            tidy[key] = value
        if errors:
            raise ValidationError(errors)
        return tidy

    @post_load
    def _within_columns(self, data: Any, **_kwargs: Any) -> Any:
        """Whole numbers and dates that the database and the calendar arithmetic can hold."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for key, value in data.items():
            problem = out_of_range(value)
            if problem:
                errors[self.fields[key].data_key or key if key in self.fields else key] = [problem]
        if errors:
            raise ValidationError(errors)
        return data


class CodeOrId(fields.String):
    """A list entry named by its code (text) or its id (a number): the service looks it up."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def commune_given(data: dict, partial: Any) -> None:
    """A place names its commune: chosen from the list (`commune_code`) or typed (`commune`, outside the list)."""
    if partial and "commune" not in data and "commune_code" not in data:
        return
    if not data.get("commune_code") and not data.get("commune"):
        raise ValidationError(
            str(_l("Choose the commune or ward from the list, or type it if it is outside the province.")),
            "commune_code",
        )


def out_of_range(value: Any) -> str | None:
    """Why a loaded value cannot be kept (a whole number past the integer columns, a date off the calendar the
    registry computes with), or None."""
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
        return str(_l("Too large a number."))
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not EARLIEST <= day <= LATEST:
            return str(_l("A date between 1900 and 2999."))
    return None


def form_data(form: Any) -> dict[str, Any]:
    """A submitted HTML form as a dict; repeated fields (checkboxes) become lists."""
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data
