"""What the OpenAPI document says beyond flask-smorest's defaults, so it describes the answers truthfully."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

# the database's integer columns (ids, counts); traceability.schemas checks inputs against the same bound
MAX_INT = 2**31 - 1

# past this page an offset no longer fits the database's integers; nobody pages that far
MAX_PAGE = 1_000_000


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number the database's integer columns can hold; a larger one is simply not found
    (404), never a database error."""

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT, signed: bool = False
    ):
        super().__init__(map, fixed_digits, min, max, signed)


class Api(flask_smorest.Api):
    def init_app(self, app: Any, *args: Any, **kwargs: Any) -> None:
        app.url_map.converters["int"] = IdConverter  # before any route is declared
        super().init_app(app, *args, **kwargs)
        self.register_converter(IdConverter, integerconverter2paramschema)

    def _register_pagination_header(self) -> None:
        # the header is sent as JSON text, so a string is what a client receives
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata as JSON text: total, total_pages, first_page, last_page, page, "
                "previous_page, next_page.",
                "schema": {"type": "string"},
            },
            lazy=True,
        )


class Blueprint(flask_smorest.Blueprint):
    def paginate(self, pager: Any = None, **kwargs: Any) -> Any:
        decorate = super().paginate(pager, **kwargs)

        def decorator(func: Any) -> Any:
            wrapper = decorate(func)
            # flask-smorest leaves the page number unbounded; the same schema class checks and documents it
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            schema._declared_fields["page"] = fields.Integer(
                load_default=schema._declared_fields["page"].load_default,
                validate=validate.Range(min=1, max=MAX_PAGE),
            )
            return wrapper

        return decorator


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def binary(blp: flask_smorest.Blueprint, description: str, *media_types: str, status: int = 200) -> Any:
    """Document an answer that is a file (an image, a PDF, a spreadsheet; or JSON not described by a schema) in
    each of its media types."""
    content = {
        media_type: {"schema": {} if media_type.endswith("json") else {"type": "string", "format": "binary"}}
        for media_type in media_types
    }
    return blp.doc(responses={status: {"description": description, "content": content}})
