"""The one way an HTML form is handled: validate with the schema, run the service, commit or report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from traceability import db
from traceability.errors import Invalid
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
    """Load request.form with `schema` (after `parse`, for forms with repeated rows), pass the data to `save`
    (a service call) and commit. Bad input or a broken rule leaves the database untouched and returns the
    messages per field.
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
    db.session.commit()
    return FormResult(values, result=result)
