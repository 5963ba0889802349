"""/healthz (the process answers) and /readyz (what a load balancer needs before sending traffic here)."""

from __future__ import annotations

import logging
from functools import cache

from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from sqlalchemy import inspect, text

from traceability.migrate import alembic_config

log = logging.getLogger(__name__)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions this code expects (read once: the migration scripts ship with the code)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def check_database(app: Flask) -> tuple[str | None, str | None]:
    """(database problem, migrations problem); None where all is well."""
    engine = app.extensions["engine"]
    try:
        # a connection of its own, never the request's session: a probe must not join a transaction
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            # alembic's own MigrationContext would log two lines per probe
            has_versions = inspect(conn).has_table("alembic_version")
            rows = conn.execute(text("SELECT version_num FROM alembic_version")) if has_versions else []
            current = frozenset(row[0] for row in rows)
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        return "unreachable", None
    expected = migration_heads()
    if current != expected:
        have = ", ".join(sorted(current)) or "none"
        return None, f"at {have}, code expects {', '.join(sorted(expected))} (run `traceability db upgrade`)"
    return None, None


def check_jobs(app: Flask) -> str | None:
    """The job queue's problem, or None. A queue that is installed must answer `ping()`."""
    jobs = app.extensions.get("jobs")
    if jobs is None:
        return None  # no queue in this app: nothing to wait for
    try:
        ping = getattr(jobs, "ping", None)
        if ping is not None:
            ping()
    except Exception as exc:
        log.warning("readiness: job queue unreachable: %s", exc.__class__.__name__)
        return "unreachable"
    return None


def readiness(app: Flask) -> tuple[dict, int]:
    database, migrations = check_database(app)
    checks = {
        "database": database or "ok",
        "migrations": migrations or ("ok" if not database else "unknown"),
        "jobs": check_jobs(app) or ("ok" if "jobs" in app.extensions else "not configured"),
    }
    # "unknown": not checked because the database did not answer, which is named already
    failing = [name for name, state in checks.items() if state not in ("ok", "not configured", "unknown")]
    body = {"status": "ready" if not failing else "not ready", "checks": checks}
    if failing:
        body["failing"] = failing
    return body, (503 if failing else 200)


def healthz_response():
    return jsonify(status="ok")


def readyz_response():
    body, status = readiness(current_app._get_current_object())
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
