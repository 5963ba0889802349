"""How HTML forms are handled: validate with the schema, run the service or report; and the field
specs that the generic form template (templates/app/form.html) renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import render_template, request
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from marshmallow import Schema, ValidationError, fields

from traceability import db, storage
from traceability.errors import Invalid
from traceability.interop.formats import parse_date, parse_decimal
from traceability.labels import label
from traceability.schemas import form_data


@dataclass
class FormResult:
    values: dict[str, Any]
    errors: dict[str, Any] = field(default_factory=dict)
    result: Any = None

    @property
    def status(self) -> int:
        """The HTTP status to render the form with: 422 while anything is wrong."""
        return 422 if self.errors else 200


def submit_form(
    schema: Schema,
    save: Callable[[dict[str, Any]], Any],
    parse: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> FormResult:
    """Load request.form with `schema` (after `parse`, for forms with repeated rows) and pass the data to `save`
    (a service call); the request commits at its end (traceability/unit_of_work.py). Bad input or a broken rule
    rolls back what the save did and returns the messages per field.
    """
    # a file kept from an earlier try travels as `<field>_kept`, read by `kept_upload`, not by the schema
    values = {k: v for k, v in form_data(request.form).items() if not k.endswith(KEPT_SUFFIX)}
    try:
        result = save(schema.load(as_typed(schema, parse(values) if parse else values)))
    except ValidationError as exc:
        db.session.rollback()
        return FormResult(values, exc.messages)
    except Invalid as exc:
        db.session.rollback()
        return FormResult(values, exc.errors or {"_schema": [exc.message]})
    return FormResult(values, result=result)


def handle_form(
    schema: Schema,
    save: Callable[[dict[str, Any]], Any],
    render: Callable[[dict[str, Any], dict[str, Any]], Any],
    values: dict[str, Any] | None = None,
    parse: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
):
    """GET shows the form; POST validates and saves (see `submit_form`) and returns save()'s answer.

    Bad input re-renders the form (422) with every message next to its field; nothing is written.
    """
    if request.method != "POST":
        return render(values or {}, {}), 200
    form = submit_form(schema, save, parse)
    if not form.errors:
        return form.result
    return render(form.values, form.errors), form.status


KEPT_SUFFIX = "_kept"


@dataclass
class KeptUpload:
    """A form's file field across tries: the file chosen now or kept from a try refused for another field."""

    name: str
    folder: str
    chosen: storage.Checked | None = None  # checked, not yet written
    filename: str = ""
    pending: storage.Pending | None = None  # kept aside by an earlier try, or by this one's refusal
    errors: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> dict[str, storage.Pending]:
        """For a re-shown form: {field: pending}, shown as "File kept: name". A file chosen with this try is put
        aside only now, when the form is sent back: a form that saves never writes a pending file."""
        if self.chosen is not None and self.pending is None:
            self.pending = storage.keep_pending(self.chosen, self.filename, self.folder)
        return {self.name: self.pending} if self.pending else {}

    def claim(self, folder: str) -> tuple[str, str] | None:
        """The file stored for the row being saved (None when none was chosen); a bad file refuses the save."""
        if self.errors:
            raise Invalid(self.errors)
        if self.chosen is not None:
            return storage.write(self.chosen, folder), self.chosen.content_type
        return self.pending.claim(folder) if self.pending else None


def kept_upload(name: str, use: storage.Use, folder: str) -> KeptUpload:
    """Read a form's file field (POST only), checked, so that a mistake in another field does not make the
    producer choose the file again; or the file an earlier try kept (`<name>_kept`)."""
    upload = KeptUpload(name, folder)
    if request.method != "POST":
        return upload
    file = request.files.get(name)
    if file is None or not file.filename:
        upload.pending = storage.find_pending(request.form.get(name + KEPT_SUFFIX), folder)
        return upload
    try:
        upload.chosen, upload.filename = storage.check(file, use, name), file.filename
    except Invalid as exc:
        upload.errors = exc.errors or {name: [exc.message]}
    return upload


def render_form(title: str, fields: list[dict], values: dict, errors: dict, **context: Any):
    return render_template("app/form.html", title=title, fields=fields, values=values, errors=errors, **context)


def spec(name: str, text: Any, type: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": text, "type": type, **extra}


def choices(enum_cls: type) -> list[tuple[str, Any]]:
    """Options of a select; the labels are translated when the page is drawn (the lists are made at import)."""
    return [(member.value, LazyString(label, member)) for member in enum_cls]


def as_values(obj: Any, names: list[str]) -> dict[str, Any]:
    """Current values of an object for prefilling a form (numbers as the page's language types them)."""
    values = {}
    for name in names:
        value = getattr(obj, name, None)
        values[name] = typed_number(value) if isinstance(value, Decimal | float) else getattr(value, "value", value)
    return values


def typed_number(value: Decimal | float) -> str:
    """A number as a person types it back into a form: "2,5" in Vietnamese, no grouping, no padded zeros."""
    amount = Decimal(str(value)).normalize()
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return format_decimal(amount, locale=get_locale() or "vi", group_separator=False, decimal_quantization=False)


# Form fields read as people type them; the JSON API keeps JSON numbers and ISO dates (its schemas are unchanged).
_NUMBERS = (fields.Decimal, fields.Float)


def as_typed(schema: Schema, values: dict[str, Any]) -> dict[str, Any]:
    """Submitted text as the schema reads it: a decimal comma ("2,5", "21,4912", "1.234,5") becomes a decimal
    point and a day written dd/mm/yyyy becomes ISO. Text that is neither is left for the schema to refuse.

    A schema whose free-text `value` is typed by another field (an amendment) names it with `value_field`.
    """
    out = dict(values)
    by_key = {field.data_key or name: field for name, field in schema.fields.items()}
    for name, value in values.items():
        field = by_key.get(name)
        if field is None:
            continue
        if name == "value" and hasattr(schema, "value_field"):
            field = schema.value_field(values) or field
        out[name] = _typed(field, value)
    return out


def _typed(field: fields.Field, value: Any) -> Any:
    if isinstance(field, fields.Nested) and isinstance(value, dict):
        return as_typed(field.schema, value)
    if isinstance(field, fields.List):
        return [_typed(field.inner, v) for v in value] if isinstance(value, list) else value
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        if isinstance(field, _NUMBERS):
            return str(parse_decimal(value))
        if isinstance(field, fields.Date):
            return parse_date(value).isoformat()
    except (ValueError, ArithmeticError):
        pass
    return value
