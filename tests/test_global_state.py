"""Two apps in one process share no state: nothing is patched into marshmallow, SQLAlchemy's Session class or a
shared Flask-Babel object when the app is imported or made (the tests make many apps)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from flask_babel import Babel
from sqlalchemy.orm import Session

from traceability import create_app, db
from traceability.jobs import queue

# every class attribute of marshmallow that an app could be tempted to patch: fields' messages, validators' messages
SNAPSHOT = r"""
import inspect, json, sys
from marshmallow import fields, validate

def snapshot():
    found = {}
    for module in (fields, validate):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for attr, value in vars(cls).items():
                if attr == "default_error_messages" or attr.startswith(("message", "default_message")):
                    found[f"{module.__name__}.{name}.{attr}"] = repr(value)
    return found

before = snapshot()
from traceability import create_app
from traceability.batches.schemas import BatchInSchema
from traceability.interop.rows import RowReader

app = create_app({"TESTING": True})
create_app({"TESTING": True})
with app.test_request_context("/?lang=vi"):
    try:
        BatchInSchema().load({"lot_code": "x" * 500, "quantity": "many"})
    except Exception as exc:
        print(json.dumps(getattr(exc, "messages", {}), ensure_ascii=False), file=sys.stderr)
    RowReader(["lot_code"]).read([""])
after = snapshot()
print(json.dumps({key: [before.get(key), after.get(key)] for key in set(before) | set(after)
                  if before.get(key) != after.get(key)}))
"""


@pytest.mark.no_db
def test_making_apps_leaves_marshmallow_classes_unchanged(tmp_path):
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "tests-only-secret"}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", SNAPSHOT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
    # the messages that load gave were still in the catalogs' words, in Vietnamese
    assert "Không phải" in done.stderr or "tối đa" in done.stderr or "dài" in done.stderr, done.stderr[-2000:]


IMPORT_PATH = r"""
import pkgutil, sys
import traceability

before = list(sys.path)
for module in pkgutil.walk_packages(traceability.__path__, "traceability."):
    if not module.name.endswith(("wsgi", "__main__")):
        __import__(module.name)
print(sys.path == before, sys.path[:2])
"""


def test_importing_the_app_leaves_the_import_path_alone(tmp_path):
    """A library that moves site-packages to the front of sys.path makes a dependency's top-level `tests` package
    shadow the project's own in every process started afterwards (the spawned workers of a test)."""
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "tests-only-secret"}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", IMPORT_PATH], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].startswith("True"), done.stdout


def _listeners(session: Session, name: str) -> list[str]:
    return [getattr(fn, "__qualname__", repr(fn)) for fn in getattr(session.dispatch, name)]


def test_two_apps_attach_each_session_listener_once(app, engine):
    create_app({"TESTING": True, "ENGINE": engine, "KEEP_SESSION_BINDING": True})
    create_app({"TESTING": True, "ENGINE": engine, "KEEP_SESSION_BINDING": True})
    session = db.session()
    for name in ("after_commit", "after_transaction_end", "after_flush", "do_orm_execute", "before_flush"):
        listeners = _listeners(session, name)
        assert len(listeners) == len(set(listeners)), (name, listeners)
    assert "_run_pending" in _listeners(session, "after_commit")  # the queue's, on the app's sessions
    assert "_note_flush" in _listeners(session, "after_flush")  # the unit of work's


def test_a_session_made_outside_the_app_is_left_alone(app, engine):
    called = []
    with Session(engine) as plain:
        assert "_run_pending" not in _listeners(plain, "after_commit")
        assert "_note_flush" not in _listeners(plain, "after_flush")
        queue.after_commit(plain, called.append, "queued")
        plain.commit()
    assert called == []  # only the app's sessions run calls kept for after their commit
    # while the app's session does
    session = db.session()
    queue.after_commit(session, called.append, "queued")
    session.commit()
    assert called == ["queued"]


@pytest.mark.no_db
def test_each_app_has_its_own_babel_and_date_formats(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "KEEP_SESSION_BINDING": True})
    second = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "KEEP_SESSION_BINDING": True})
    mine, theirs = first.extensions["babel"].instance, second.extensions["babel"].instance
    assert mine is not theirs and mine.date_formats is not theirs.date_formats
    assert Babel.default_date_formats["date.short"] is None  # Flask-Babel's own defaults untouched
    with first.test_request_context("/?lang=vi"):
        import datetime as dt

        from flask_babel import format_date

        assert format_date(dt.date(2026, 10, 5), "short") == "05/10/2026"
    with second.test_request_context("/?lang=en"):
        assert format_date(dt.date(2026, 10, 5), "short") == "Oct 5, 2026"
