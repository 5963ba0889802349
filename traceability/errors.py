"""Errors raised by services, and the handlers that turn any error into a clean answer.

On /api every answer is JSON in the format of API.md; elsewhere an HTML page. No stack trace reaches a user.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A rule said no. `status` is the HTTP status an API answers with."""

    status = 400

    def __init__(self, message: str = "", errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(ServiceError):
    """Missing, or belonging to another organisation (we never say which)."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """Bad input: `errors` maps each field to its messages; `location` is where the API says the fields were
    (`json`, or `files` for an uploaded file, as webargs names them)."""

    status = 422

    def __init__(self, errors: dict[str, list[str]] | str, message: str = "", location: str = "json"):
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        super().__init__(message or _("Some fields are not valid."), errors)
        self.location = location


def invalid(field: str, message: str, location: str = "json") -> Invalid:
    return Invalid({field: [message]}, location=location)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_payload(status: int, message: str | None = None, errors: dict | None = None) -> dict:
    payload: dict = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error")}
    if errors:
        payload["errors"] = errors
    if message:
        payload["message"] = message
    return payload


def _respond(status: int, message: str | None, errors: dict | None = None, headers: dict | None = None):
    if wants_json():
        response = jsonify(error_payload(status, message, errors))
    else:
        response = render_template("errors/error.html", status=status, message=message, errors=errors)
    return response, status, headers or {}


# werkzeug's stock descriptions, as the API tells them (the "status" field stays the HTTP reason phrase)
STOCK_MESSAGES = {
    404: _l("Nothing was found at this address."),
    405: _l("This method is not allowed here."),
    401: _l("Please sign in."),
    403: _l("You may not do this."),
}


RETRY = {"Retry-After": "60"}
# SQLSTATE classes of an unreachable or restarting database (08: connection, 57P: operator intervention, 53:
# resources), and a statement ended by DB_STATEMENT_TIMEOUT (57014) or DB_LOCK_TIMEOUT (55P03): try again soon
_UNAVAILABLE = ("08", "57P", "53", "57014", "55P03")


def _is_unavailable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "pgcode", None) or ""
    if code:
        return code.startswith(_UNAVAILABLE)
    # SQLite and drivers without codes: an operational error is a lock, a full disk or a missing file
    text = str(error.orig).lower()
    words = ("locked", "unable to open", "disk", "connection", "server closed", "timeout expired")
    return any(word in text for word in words)


def refuse_nul_characters() -> None:
    """A NUL character in a search box or a path is never meant, and no database keeps one: a 422 naming the
    parameter instead of a database error (bodies are checked by the schemas, field by field)."""
    for location, values in (("path", request.view_args or {}), ("query", request.args)):
        items = values.items(multi=True) if location == "query" else values.items()
        for name, value in items:
            if isinstance(value, str) and "\x00" in value:
                raise Invalid({name: [_("Contains a character that is not allowed (NUL).")]}, location=location)


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = data.get("messages")  # webargs (flask-smorest) puts field errors here
        message = data.get("message")
        # werkzeug's stock descriptions are English prose; pages show their own translated title instead
        if not message and not errors and (error.description != type(error).description or wants_json()):
            message = error.description
        if message == type(error).description:  # the API's answer speaks the caller's language too
            message = str(STOCK_MESSAGES.get(error.code or 500, message))
        headers = dict(error.get_headers() or [])
        headers.pop("Content-Type", None)
        headers.update(data.get("headers") or {})
        return _respond(error.code or 500, message, errors, headers)

    @app.errorhandler(ServiceError)
    def handle_service(error: ServiceError):
        location = getattr(error, "location", "json")
        errors = {location: error.errors} if error.errors and wants_json() else error.errors
        return _respond(error.status, error.message or None, errors)

    from traceability.storage import StorageUnavailable  # storage imports this module

    @app.errorhandler(StorageUnavailable)
    def handle_storage_unavailable(error: StorageUnavailable):
        return _respond(error.status, error.message, headers={"Retry-After": str(error.retry_after)})

    @app.errorhandler(OperationalError)
    @app.errorhandler(DisconnectionError)
    def handle_database_down(error: Exception):
        # the database is unreachable or restarting: nothing was written (the session rolls back); try again soon
        if isinstance(error, DBAPIError) and not error.connection_invalidated and not _is_unavailable(error):
            return handle_unexpected(error)
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        return _respond(503, _("The service is briefly unavailable. Please try again in a minute."), None, RETRY)

    @app.errorhandler(DataError)
    def handle_data_error(error: DataError):
        # a value the database refused (out of a column's range) that no schema caught: the caller's input
        log.warning("database refused a value on %s %s: %s", request.method, request.path, error.orig)
        return _respond(422, _("A value is out of the range the registry can store."))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, _("Something went wrong on our side. Please try again later."))

    # InternalServerError raised by Flask itself wraps the original; answer it the same way.
    app.register_error_handler(InternalServerError, handle_unexpected)
