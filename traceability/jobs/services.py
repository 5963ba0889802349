"""Jobs: hand long work to the worker, run it there, report progress, recover from a worker that died.

A job's file is written beside its final name (`<id>-<attempt>.part`) and renamed only once complete, and the
job is marked done only after that: a download never serves half a file. A worker killed mid-job leaves the
job `running` with a heartbeat that stops moving; `recover` (at worker start and every minute) hands it to
the queue again with the next attempt number, up to JOB_MAX_ATTEMPTS, after which it is marked failed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from traceability import storage
from traceability.accounts.models import User
from traceability.db import utcnow
from traceability.errors import NotFound, ServiceError
from traceability.jobs.models import Job, JobStatus
from traceability.jobs.queue import after_commit
from traceability.ops.metrics import JOBS_FINISHED

log = logging.getLogger(__name__)

# kind → "module:function" making the job's file: fn(session, job, progress, out) -> (file name, media type), or
# (file name, media type, what was done: a sentence for the job's page). `progress(done, total)` commits the
# session, so the function must hold no open cursor across calls, and must write its rows only after its last
# call: they are committed with the job's "done", or not at all.
KINDS: dict[str, str] = {
    "label_sheet": "traceability.codes.sheet_job:make_label_sheet",
    "batch_import": "traceability.interop.import_job:import_file",
    "yearly_report": "traceability.inspection.report_job:make_yearly_report",
}
REPORT_EVERY = 0.5  # seconds between progress writes


class Superseded(Exception):
    """This attempt was handed to another worker (this one was thought dead): stop without writing."""


class Refused(ServiceError):
    """The job's input is wrong: nothing was written; `problems` (a list of JSON-able details, such as an import's
    {row, column, message}) are kept for the job's page and the API."""

    status = 422

    def __init__(self, message: str, problems: list[dict[str, Any]]):
        super().__init__(message)
        self.problems = problems


def submit(session: Session, kind: str, owner: User, params: dict[str, Any], data: bytes | None = None) -> Job:
    """Record a job and queue it once the caller's unit of work commits. `data`, the file the job reads (an import's
    CSV), is kept through storage until the job ends."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job(kind=kind, owner_id=owner.id, params=params, status=JobStatus.QUEUED, heartbeat_at=utcnow())
    if data is not None:
        job.input_path = storage.write(storage.Checked(data, storage.CSV), "jobs")
    session.add(job)
    session.flush()
    _queue(session, job)
    return job


def _queue(session: Session, job: Job) -> None:
    from traceability.jobs.tasks import run_job

    after_commit(session, run_job, job.id, job.attempt)


def get_job(session: Session, job_id: int, user: User) -> Job:
    """A job of this user's (another's answers 404, like a missing one)."""
    job = session.get(Job, job_id)
    if job is None or job.owner_id != user.id:
        raise NotFound(_("Not found."))
    return job


def result_dir() -> Path:
    path = Path(current_app.config["JOB_RESULT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_file(job: Job) -> Path | None:
    if job.status != JobStatus.DONE or not job.result_path:
        return None
    path = result_dir() / job.result_path
    return path if path.is_file() else None


def input_file(job: Job) -> Path:
    """The file the job reads (see `submit`)."""
    path = storage.inside(job.input_path or "")
    if path is None or not path.is_file():
        raise ServiceError(_("The file to work on is no longer kept; send it again."))
    return path


def _problems_path(job_id: int) -> Path:
    return result_dir() / f"{job_id}-problems.json"


def problems(job: Job) -> list[dict[str, Any]]:
    """What a refused job found wrong (an import's problems by row and column); [] for any other job."""
    if job.status != JobStatus.FAILED:
        return []
    try:
        return json.loads(_problems_path(job.id).read_text("utf-8"))
    except (OSError, ValueError):
        return []


def _function(kind: str) -> Callable[..., tuple[str, ...]]:
    module, _sep, name = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def run(session: Session, job_id: int, attempt: int) -> None:
    """Run one attempt of a job (in the worker). Commits its own progress; never raises for the job's faults."""
    job = session.get(Job, job_id)
    if job is None or job.attempt != attempt or job.finished:
        session.rollback()
        return  # gone, superseded, or done by an earlier message
    owner = session.get(User, job.owner_id)
    job.status = JobStatus.RUNNING
    job.heartbeat_at = utcnow()
    session.commit()
    part = result_dir() / f"{job.id}-{attempt}.part"
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < REPORT_EVERY:
            return
        last[0] = now
        percent = min(99, done * 100 // max(total, 1))
        _heartbeat(session, job_id, attempt, percent)

    try:
        with force_locale(getattr(owner, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
            with open(part, "wb") as out:
                name, media_type, *summary = _function(job.kind)(session, job, progress, out)
                out.flush()
                os.fsync(out.fileno())
            final = f"{job.id}{Path(name).suffix}"
            # still ours? (raises Superseded otherwise); committed below with what the job wrote, as one
            _heartbeat(session, job_id, attempt, 99, commit=False)
            os.replace(part, result_dir() / final)
            job = session.get(Job, job_id)
            job.status, job.progress, job.message = JobStatus.DONE, 100, (summary[0][:500] if summary else None)
            job.result_path, job.result_name, job.result_type = final, name, media_type
            job.finished_at, job.input_path = utcnow(), None  # its input file goes once this commits
            session.commit()
            JOBS_FINISHED.labels(job.kind, "done").inc()
    except Superseded:
        session.rollback()
        part.unlink(missing_ok=True)
    except ServiceError as exc:
        session.rollback()
        part.unlink(missing_ok=True)
        if isinstance(exc, Refused):
            _problems_path(job_id).write_text(json.dumps(exc.problems, ensure_ascii=False), "utf-8")
        _fail(session, job_id, attempt, "; ".join(m for ms in (exc.errors or {}).values() for m in ms) or exc.message)
    except Exception:
        log.exception("job %s (%s) failed", job_id, attempt)
        session.rollback()
        part.unlink(missing_ok=True)
        with force_locale(getattr(owner, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
            message = _("An unexpected error stopped this job; the administrators can read why in the worker's log.")
        _fail(session, job_id, attempt, message)


def _heartbeat(session: Session, job_id: int, attempt: int, percent: int, *, commit: bool = True) -> None:
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.attempt == attempt, Job.status == JobStatus.RUNNING)
        .values(progress=percent, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if commit:
        session.commit()
    if done.rowcount == 0:
        raise Superseded()


def _fail(session: Session, job_id: int, attempt: int, message: str) -> None:
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.attempt == attempt)
        .values(status=JobStatus.FAILED, message=message[:500], finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    job = session.get(Job, job_id) if done.rowcount else None
    if job is not None:
        job.input_path = None  # its input file goes once this commits
    session.commit()
    if job is not None:
        JOBS_FINISHED.labels(job.kind, "failed").inc()


def recover(session: Session, stale_seconds: int, max_attempts: int, lost_seconds: int = 3600) -> list[Job]:
    """Hand back to the queue the running jobs whose worker has not reported for `stale_seconds` (it died), and
    the queued ones no worker took for `lost_seconds` (their message was lost: Redis restarted without its data,
    say); fail those tried `max_attempts` times. Returns the jobs re-queued. The caller commits."""
    now = utcnow()
    stale = session.scalars(
        select(Job)
        .where(
            or_(
                and_(Job.status == JobStatus.RUNNING, Job.heartbeat_at < now - dt.timedelta(seconds=stale_seconds)),
                and_(Job.status == JobStatus.QUEUED, Job.heartbeat_at < now - dt.timedelta(seconds=lost_seconds)),
            )
        )
        .with_for_update(skip_locked=True)
    ).all()
    requeued = []
    for job in stale:
        (result_dir() / f"{job.id}-{job.attempt}.part").unlink(missing_ok=True)  # what the dead worker left
        if job.attempt >= max_attempts:
            owner = session.get(User, job.owner_id)
            with force_locale(getattr(owner, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
                job.message = _("The worker stopped %(n)s times during this job; ask for it again.", n=job.attempt)
            job.status, job.finished_at, job.input_path = JobStatus.FAILED, utcnow(), None
            continue
        log.warning("job %s: no report since %s, queued again (attempt %s)", job.id, job.heartbeat_at, job.attempt + 1)
        job.attempt += 1
        job.status, job.progress, job.heartbeat_at = JobStatus.QUEUED, 0, utcnow()
        _queue(session, job)
        requeued.append(job)
    session.flush()
    return requeued


def write_to(out: BinaryIO, chunks: Any) -> int:
    size = 0
    for chunk in chunks:
        out.write(chunk)
        size += len(chunk)
    return size
