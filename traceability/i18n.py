"""Vietnamese by default, English on request (a ?lang= switch kept in a cookie, or the browser's language)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale

from traceability.extensions import babel

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
    babel.init_app(app, locale_selector=select_locale)
    babel.date_formats = _FormatsByLocale(babel.date_formats)
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


def localise_validation_messages() -> None:
    """Have marshmallow's stock messages go through the catalogs, so a form error reads in Vietnamese.

    Fields copy these when they are created, so this runs when traceability.schemas is first imported.
    (validate.Range formats its messages when created, so give Range an explicit error= where it matters;
    Email and URL insist on plain strings, so their stock messages are translated by BaseSchema.handle_error.)
    """
    from flask_babel import lazy_gettext as _l
    from marshmallow import fields, validate

    fields.Field.default_error_messages.update(
        required=_l("This field is required."),
        null=_l("This field is required."),
        validator_failed=_l("Invalid value."),
    )
    messages = {
        fields.String: {"invalid": _l("Not a valid text.")},
        fields.Integer: {"invalid": _l("Not a valid whole number.")},
        fields.Decimal: {"invalid": _l("Not a valid number."), "special": _l("Not a valid number.")},
        fields.Float: {"invalid": _l("Not a valid number.")},
        fields.Boolean: {"invalid": _l("Not a valid yes/no value.")},
        fields.Date: {"invalid": _l("Not a valid date (use YYYY-MM-DD)."), "format": _l("Not a valid date.")},
        fields.DateTime: {"invalid": _l("Not a valid date and time."), "format": _l("Not a valid date and time.")},
        fields.Enum: {"unknown": _l("Choose one of: {choices}.")},
        fields.List: {"invalid": _l("Not a valid list.")},
        fields.Nested: {"type": _l("Invalid input type.")},
    }
    for field_cls, overrides in messages.items():
        field_cls.default_error_messages = {**field_cls.default_error_messages, **overrides}
    validate.Length.message_min = _l("Shorter than the minimum length of {min}.")
    validate.Length.message_max = _l("Longer than the maximum length of {max}.")
    validate.Length.message_all = _l("Length must be between {min} and {max}.")
    validate.Length.message_equal = _l("Length must be {equal}.")
    validate.OneOf.default_message = _l("Choose one of: {choices}.")
    validate.Regexp.default_message = _l("Not in the expected format.")
