"""How HTML forms are handled: validate with the schema, run the service or report; and the field
specs that the generic form template (templates/app/form.html) renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template, request
from marshmallow import Schema, ValidationError

from traceability import db
from traceability.errors import Invalid
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
    values = form_data(request.form)
    try:
        result = save(schema.load(parse(values) if parse else values))
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


def render_form(title: str, fields: list[dict], values: dict, errors: dict, **context: Any):
    return render_template("app/form.html", title=title, fields=fields, values=values, errors=errors, **context)


def spec(name: str, text: Any, type: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": text, "type": type, **extra}


def choices(enum_cls: type) -> list[tuple[str, str]]:
    return [(member.value, label(member)) for member in enum_cls]


def as_values(obj: Any, names: list[str]) -> dict[str, Any]:
    """Current values of an object for prefilling a form."""
    values = {}
    for name in names:
        value = getattr(obj, name, None)
        values[name] = getattr(value, "value", value)
    return values
