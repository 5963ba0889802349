"""What the HTML forms share: field specs for the generic form template and the parse → save → commit loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from marshmallow import Schema, ValidationError

from traceability import db
from traceability.errors import Invalid
from traceability.labels import label
from traceability.schemas import form_data


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


def handle_form(
    schema: Schema,
    save: Callable[[dict[str, Any]], Any],
    render: Callable[[dict[str, Any], dict[str, Any]], Any],
    values: dict[str, Any] | None = None,
    parse: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
):
    """GET shows the form; POST validates with the schema, saves, commits and returns save()'s answer.

    Bad input re-renders the form (422) with every message next to its field; nothing is written.
    """
    errors: dict[str, Any] = {}
    values = values or {}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            data = schema.load(parse(values) if parse else values)
            answer = save(data)
        except ValidationError as exc:
            errors = exc.messages
        except Invalid as exc:
            errors = exc.errors or {}
        if not errors:
            db.session.commit()
            return answer
        db.session.rollback()
    return render(values, errors), 422 if errors else 200


def render_form(title: str, fields: list[dict], values: dict, errors: dict, **context: Any):
    return render_template("app/form.html", title=title, fields=fields, values=values, errors=errors, **context)


def owner_first(model: type, param: str):
    """Check the caller may edit the row named in the URL before the body is read, so another organisation's
    row answers 404 even to a malformed body (flask-smorest parses the body before the view runs)."""
    import functools

    from flask_login import current_user

    from traceability.tenancy import get_editable

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            get_editable(db.session, model, kwargs[param], current_user)
            return view(*args, **kwargs)

        return wrapper

    return decorate
