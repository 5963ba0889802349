"""What every input schema shares: tidy strings, treat an empty form field as absent."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from traceability.i18n import localise_validation_messages

localise_validation_messages()

# form fields that are not data
_FORM_ONLY = {"csrf_token", "submit"}


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


class BaseSchema(Schema):
    """Base for every input schema, used alike by HTML forms (request.form) and the JSON API."""

    # marshmallow's own hook for a schema's messages (rather than patching its private defaults)
    error_messages = {"unknown": _l("Unknown field."), "type": _l("Invalid input type.")}

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        error.messages = localised(error.messages)

    @pre_load
    def _tidy(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        tidy = {}
        for key, value in data.items():
            if key in _FORM_ONLY:
                continue
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue  # an empty form field means "not given"
            tidy[key] = value
        return tidy


def form_data(form: Any) -> dict[str, Any]:
    """A submitted HTML form as a dict; repeated fields (checkboxes) become lists."""
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data
