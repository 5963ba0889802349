"""What the HTML forms share: field specs for the generic form template and the parse → save → commit loop."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_login import current_user
from marshmallow import Schema

from traceability import db
from traceability.forms import submit_form
from traceability.labels import label
from traceability.tenancy import get_editable


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
    """GET shows the form; POST validates, saves and commits (see `submit_form`) and returns save()'s answer.

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


def owner_first(model: type, param: str):
    """Check the caller may edit the row named in the URL before the body is read, so another organisation's
    row answers 404 even to a malformed body (flask-smorest parses the body before the view runs)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            get_editable(db.session, model, kwargs[param], current_user)
            return view(*args, **kwargs)

        return wrapper

    return decorate
