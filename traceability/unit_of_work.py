"""One unit of work per request (and per CLI command): services flush, this module commits, once, at the end.

A request that ends well (the view returned a status below 400: a page, a 201, a redirect after a form) is
committed before its answer is sent, so a commit that fails becomes the error answer (500, or whatever the
error handlers say) instead of a 200 whose data was lost. A request that ends badly (the view raised, or
answered 4xx/5xx) is rolled back, except for the records a service asked to `keep`: those are written on their
own after the rollback (a refused publish attempt, which the inspectors must see, is the one today).

A GET or HEAD that wrote nothing commits nothing: its reads are simply rolled back when the session is removed
at the end of the app context (traceability/__init__.py), which costs no more.

Work that runs outside a request has its own unit of work: each CLI command (`command` below), and the scan
writer's timer thread (public/scans.py), which commits a session of its own thread.

Modelled on Indico's request handler (indico/web/rh.py, `RH.process`): one commit at one place, a rollback on
any error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from traceability import db

F = TypeVar("F", bound=Callable[..., Any])

_WROTE = "unit_of_work.wrote"  # session.info key: something was written since the transaction began
_KEPT = "unit_of_work.kept"  # session.info key: records to write even if the unit of work is rolled back
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def keep(session: Session, record: Any) -> None:
    """Write `record` even when this unit of work is refused or fails.

    For a new row that refers only to rows already stored, such as a refused publish attempt: if the request
    ends in an error, everything else is rolled back and a copy of the record (its column values, a new
    primary key) is then inserted alone and committed. If the request succeeds the record is committed with
    the rest, like any row.
    """
    session.add(record)
    session.info.setdefault(_KEPT, []).append(record)


def finish(session: Session, *, commit: bool) -> None:
    """End the unit of work: commit it, or roll it back and write only the kept records.

    A commit that fails is rolled back (the kept records still written) and its error raised, for the caller
    to answer with.
    """
    if commit:
        try:
            session.commit()
        except BaseException:
            _roll_back(session)
            raise
    else:
        _roll_back(session)


def _roll_back(session: Session) -> None:
    kept = [_copy(record) for record in session.info.pop(_KEPT, [])]
    # Closing rolls back like session.remove() at the end of the request, and leaves the objects the request
    # loaded readable (detached, not expired) for the error answer and for tests.
    session.close()
    if kept:
        session.add_all(kept)
        session.commit()


def _copy(record: Any) -> Any:
    """A new object with the record's column values, without its primary key, to insert once the rest is undone.

    Only columns: relationships would bring back along the objects they lead to, with any change made to them
    by the work that was rolled back. The key is given out anew, as the one it had may be reused meanwhile.
    """
    state = inspect(record)
    keys = {prop.key for prop in state.mapper.column_attrs} - {
        state.mapper.get_property_by_column(column).key for column in state.mapper.primary_key
    }
    return state.mapper.class_(**{key: value for key, value in state.dict.items() if key in keys})


def wrote(session: Session) -> bool:
    """Has this session written anything (flushed or pending) in its transaction?"""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def _note_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_kept(session: Session) -> None:
    session.info.pop(_KEPT, None)  # committed, with the rest or on their own


def _end_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint
    session.info.pop(_WROTE, None)


# What the unit of work needs to hear from the app's sessions (db.session's sessionmaker, not SQLAlchemy's
# Session class: a session made elsewhere, a script's or a library's, is left alone).
LISTENERS = (
    ("after_flush", _note_flush),
    ("do_orm_execute", _note_statement),
    ("after_commit", _forget_kept),
    ("after_transaction_end", _end_transaction),
)


def _listen() -> None:
    """Attach the listeners to db.session's sessionmaker, once however many apps are made."""
    factory = db.session.session_factory
    for name, fn in LISTENERS:
        if not event.contains(factory, name, fn):
            event.listen(factory, name, fn)


def init_app(app: Flask) -> None:
    """Make each request one unit of work: commit or roll back right after the view, before the answer is sent.

    It wraps `app.dispatch_request` (the view and nothing else), so that an error raised by the commit goes
    through the same error handlers as one raised by the view, and every after_request hook sees the final
    answer. A streamed answer has been committed before its first byte is produced.
    """
    _listen()
    dispatch_view = app.dispatch_request

    @functools.wraps(dispatch_view)
    def dispatch_request() -> Any:
        try:
            response = app.make_response(dispatch_view())
        except BaseException:
            if db.session.registry.has():
                finish(db.session(), commit=False)
            raise
        if not db.session.registry.has():
            return response  # the view did not use the database (a static file, a cached answer)
        session = db.session()
        ok = response.status_code < 400
        if ok and request.method in _READ_ONLY_METHODS and not wrote(session):
            return response  # nothing to commit; the reads end when the session is removed
        finish(session, commit=ok)
        return response

    app.dispatch_request = dispatch_request  # type: ignore[method-assign]


def command(fn: F) -> F:
    """A CLI command as one unit of work: committed when it returns, rolled back when it raises or exits.

    The text it returns is printed once the commit has succeeded, so it never reports work that was lost.
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        session = db.session()
        try:
            said = fn(*args, **kwargs)
        except BaseException:
            finish(session, commit=False)
            raise
        finish(session, commit=True)
        if said:
            click.echo(said)

    return run  # type: ignore[return-value]
