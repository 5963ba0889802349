"""Fields for values as people type them in Vietnamese spreadsheets: dd/mm/yyyy dates, decimal commas."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> dt.date:
    """dd/mm/yyyy (also with `-` or `.`, single digits allowed) or ISO yyyy-mm-dd. Raises ValueError."""
    text = text.strip()
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return dt.date(year, month, day)


def parse_decimal(text: str) -> Decimal:
    """`1234.5`, `1234,5`, `1.234,5`, `1,234.5`: where both marks appear, the last one is the decimal mark."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        if text.count(",") > 1:
            raise ValueError(text)
        text = text.replace(",", ".")
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


class LocalDate(fields.Field):
    default_error_messages = {"invalid": _l("Not a date: write it as dd/mm/yyyy, e.g. 15/10/2026.")}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return value.strftime("%d/%m/%Y") if value else None


class LocalDecimal(fields.Field):
    default_error_messages = {"invalid": _l("Not a number.")}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        try:
            return parse_decimal(str(value))
        except (InvalidOperation, ValueError) as exc:
            raise self.make_error("invalid") from exc

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)
