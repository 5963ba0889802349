"""Vietnamese by default, English on request (a ?lang= switch kept in a cookie, or the browser's language)."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from marshmallow import fields, validate

PACKAGE_DIR = Path(__file__).resolve().parent
LANG_COOKIE = "lang"
# Days as a reader of the page's language writes them, never with a two-digit year ("short" would print
# 5/10/26): Vietnamese dd/mm/yyyy, English "Oct 5, 2026". format_date/format_datetime with "short" or "medium"
# (the template filters, the services' messages) use these.
# "<0.01", "0.02 mg/kg", "< 0,01" (typed with a decimal comma); not codes
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.,-])\d+[.,]\d+(?![\w.,-])")
DAY = "dd/MM/yyyy"
DATE_FORMATS = {
    "vi": {"date.short": DAY, "date.medium": DAY, "datetime.short": f"{DAY} HH:mm", "datetime.medium": f"{DAY} HH:mm"},
    "": {"date.short": "MMM d, yyyy", "datetime.short": "MMM d, yyyy, HH:mm", "datetime.medium": "MMM d, yyyy, HH:mm"},
}


class _FormatsByLocale(dict):
    """Flask-Babel's date_formats, looked up for the page's language."""

    def __getitem__(self, key: str):
        locale = get_locale()
        own = DATE_FORMATS.get(locale.language if locale else "vi", DATE_FORMATS[""])
        return own[key] if key in own else super().__getitem__(key)


def translation_directories() -> str:
    # Each domain keeps its own catalog next to its code; Flask-Babel merges them.
    dirs = [PACKAGE_DIR / "translations", *sorted(PACKAGE_DIR.glob("*/translations"))]
    return ";".join(str(d) for d in dirs if d.is_dir())


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        g.set_lang_cookie = chosen
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages, default=current_app.config["BABEL_DEFAULT_LOCALE"])


def _remember_choice(response):
    lang = g.pop("set_lang_cookie", None)
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    # a Babel of this app's own: Flask-Babel keeps date_formats on the Babel object, so a shared one would let
    # one app's formats leak into another's
    Babel(app, date_formats=_FormatsByLocale(Babel.default_date_formats), locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.jinja_env.filters["date"] = lambda d, fmt="short": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="short": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["number"] = number


def number(value: object, places: int | None = None) -> str:
    """A quantity, area, dose or coordinate as the page's language writes it, without padded zeros:
    Decimal("180.500") → "180,5" in Vietnamese, "180.5" in English; 120000 → "120.000" / "120,000".
    `places` rounds first (coordinates). Exports and the API keep plain numbers (interop.identifiers.plain_number).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # a measured value kept as typed ("<0.01", "0.02 mg/kg"): each number in it
        if re.fullmatch(r"-?\d+([.,]\d+)?", value.strip()):
            return number(Decimal(value.strip().replace(",", ".")), places)
        return _NUMBER_IN_TEXT.sub(lambda m: number(Decimal(m.group().replace(",", ".")), places), value)
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is not None:
        amount = round(amount, places)
    amount = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    return format_decimal(amount, locale=get_locale() or "vi", decimal_quantization=False)


# marshmallow's stock messages, in the catalogs' words, by the field or validator class that defines them.
# They are given to each field as it is bound to a schema (BaseSchema.on_bind_field, marshmallow's hook), never
# written into marshmallow's classes: two apps in one process, or a library using marshmallow beside us, see
# marshmallow unchanged. (Email, URL and Range keep plain strings, which BaseSchema.handle_error translates.)
REQUIRED = _l("This field is required.")
FIELD_MESSAGES: dict[type, dict[str, Any]] = {
    fields.Field: {"required": REQUIRED, "null": REQUIRED, "validator_failed": _l("Invalid value.")},
    fields.String: {"invalid": _l("Not a valid text.")},
    fields.Integer: {"invalid": _l("Not a valid whole number.")},
    fields.Decimal: {"invalid": _l("Not a valid number."), "special": _l("Not a valid number.")},
    fields.Float: {"invalid": _l("Not a valid number.")},
    fields.Boolean: {"invalid": _l("Not a valid yes/no value.")},
    fields.Date: {"invalid": _l("Not a valid date (use YYYY-MM-DD)."), "format": _l("Not a valid date.")},
    fields.DateTime: {"invalid": _l("Not a valid date and time."), "format": _l("Not a valid date and time.")},
    fields.List: {"invalid": _l("Not a valid list.")},
    fields.Nested: {"type": _l("Invalid input type.")},
}
CHOOSE_ONE = _l("Choose one of: {choices}.")
LENGTH_MESSAGES = {
    "message_min": _l("Shorter than the minimum length of {min}."),
    "message_max": _l("Longer than the maximum length of {max}."),
    "message_all": _l("Length must be between {min} and {max}."),
    "message_equal": _l("Length must be {equal}."),
}
PATTERN = _l("Not in the expected format.")


def _stock(cls: type, attribute: str = "default_error_messages") -> dict[str, Any]:
    """A field class's messages as marshmallow gathers them (its classes' own, most derived last)."""
    messages: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        messages.update(getattr(klass, attribute, None) or {})
    return messages


def localise_field(field: fields.Field) -> None:
    """Give this field (an instance, bound to one schema) our messages wherever it still has marshmallow's stock
    ones: a message given to the field, or by a field class of ours, stays. Its validators are copied before
    they are given ours, as the schema class's field shares them."""
    stock, ours = _stock(type(field)), {}
    for klass in reversed(type(field).__mro__):
        ours.update(FIELD_MESSAGES.get(klass, {}))
    if isinstance(field, fields.Enum):  # marshmallow formats only plain strings; this one needs its choices
        ours["unknown"] = LazyString(_choose_one, field.choices_text)
    field.error_messages = {
        **field.error_messages,
        **{key: text for key, text in ours.items() if key in stock and field.error_messages.get(key) == stock[key]},
    }
    field.validators = [_localised_validator(v) for v in field.validators]
    inner = [getattr(field, name, None) for name in ("inner", "key_field", "value_field")]
    for each in [*inner, *(getattr(field, "tuple_fields", None) or ())]:
        if isinstance(each, fields.Field):
            localise_field(each)


def _choose_one(choices: str) -> str:
    return str(CHOOSE_ONE).format(choices=choices)


def _localised_validator(validator: Any) -> Any:
    if isinstance(validator, validate.Length):
        own = {
            name: text
            for name, text in LENGTH_MESSAGES.items()
            if getattr(validator, name) == getattr(validate.Length, name)
        }
        if own:
            validator = copy.copy(validator)
            for name, text in own.items():
                setattr(validator, name, text)  # on this copy; Length reads them when it fails
    elif isinstance(validator, validate.OneOf | validate.Regexp) and validator.error == type(validator).default_message:
        validator = copy.copy(validator)
        validator.error = CHOOSE_ONE if isinstance(validator, validate.OneOf) else PATTERN
    return validator
