"""The job queue (huey) and the rule that nothing is queued before the work that asked for it is committed.

Storage: Redis when REDIS_URL is set, otherwise a SQLite file beside the database (instance/jobs.db), so the
default set-up needs no server. The web processes only put messages in; `traceability worker` runs them.

Queueing after commit: `after_commit(session, fn, *args)` keeps the call in `session.info` and runs it once the
session's transaction commits (an e-mail about a recall that was rolled back is never sent, a job row the
worker would look for exists by the time it looks). A rollback forgets the calls.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from traceability import db
from traceability.config import instance_path

log = logging.getLogger(__name__)

_PENDING = "jobs.after_commit"


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("traceability", url=redis_url)
    path = Path(os.environ.get("JOBS_DB") or instance_path() / "jobs.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("traceability", filename=str(path), timeout=15)


huey = _make_huey()


def after_commit(session: Session, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call `fn(*args, **kwargs)` once this session's transaction has committed; never if it rolls back."""
    session.info.setdefault(_PENDING, []).append((fn, args, kwargs))


def _run_pending(session: Session) -> None:
    for fn, args, kwargs in session.info.pop(_PENDING, []):
        try:
            fn(*args, **kwargs)
        except Exception:  # the commit stands; the sweeper re-queues a job whose message was lost
            log.exception("could not queue %s after commit", getattr(fn, "__name__", fn))


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # rolled back (a commit has run them already)


def init_app(app: Any) -> None:
    """Run the calls kept by `after_commit` when the app's sessions commit; attached to db.session's
    sessionmaker once, however many apps are made, never to SQLAlchemy's Session class."""
    for name, fn in (("after_commit", _run_pending), ("after_transaction_end", _forget_pending)):
        if not event.contains(db.session.session_factory, name, fn):
            event.listen(db.session.session_factory, name, fn)
    app.extensions["jobs"] = QueueStatus(app.extensions["engine"])  # what /readyz and /metrics ask of the queue


class QueueStatus:
    """What operators ask of the queue (`/readyz`, `/metrics`): can its storage be reached, how many jobs wait,
    run or failed. Counts come from the job rows, which every web process and worker share."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def ping(self) -> None:
        huey.pending_count()  # reads the queue's storage (the SQLite file or Redis); raises when it cannot

    def counts(self) -> dict[str, int]:
        from traceability.jobs.models import Job, JobStatus

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Job.status, func.count()).where(Job.status != JobStatus.DONE).group_by(Job.status)
            ).all()
        found = {str(status): number for status, number in rows}
        return {state: found.get(state, 0) for state in ("queued", "running", "failed")}
