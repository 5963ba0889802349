"""`traceability worker` for real: a worker killed in the middle of a label sheet leaves the job to be retried
by the next worker, which makes the whole file; nothing half-made is offered in between."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.accounts import services as accounts
from traceability.accounts.models import OrgKind, Role
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import IssueLimits, issue_lot_code, issue_serial_codes
from traceability.jobs.models import Job, JobStatus
from traceability.jobs.queue import huey
from traceability.jobs.tasks import run_job
from traceability.registry.models import Product, Site, SiteKind

from ..conftest import _RUN_DIR, scratch_database_url

CODES = 3000  # about four seconds of work: long enough to be caught in the middle


@pytest.fixture
def committed(app):
    """A database of its own, committed for real, for worker processes to read."""
    url = scratch_database_url("_worker")
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    with app.app_context(), Session(bind=engine, expire_on_commit=False) as session:
        org = accounts.create_organization(
            session,
            {
                "name": "HTX",
                "kind": OrgKind.COOPERATIVE,
                "tax_code": "4600000001",
                "province": "Thái Nguyên",
                "commune": "Tân Cương",
                "address": "Xóm 1",
            },
        )
        user = accounts.create_user(
            session, email="w@example.org", password="x" * 10, full_name="W", role=Role.PRODUCER, organization=org
        )
        product = Product(organization=org, name="Chè", gtin="08936012345001", unit="kg", category_code="tea")
        site = Site(
            organization=org, kind=SiteKind.GROWING_AREA, name="Đồi", province="Thái Nguyên", commune="Tân Cương"
        )
        batch = Batch(
            organization=org,
            product=product,
            site=site,
            status=BatchStatus.PUBLISHED,
            lot_code="W-1",
            quantity=Decimal(1),
            unit="kg",
            harvested_on=dt.date(2026, 10, 1),
            published_at=db.utcnow(),
        )
        session.add(batch)
        session.flush()
        issue_lot_code(session, batch)
        issue_serial_codes(session, batch, CODES, user, IssueLimits(per_request=CODES))
        job = Job(kind="label_sheet", owner_id=user.id, params={"batch_id": batch.id, "per_page": 40})
        session.add(job)
        session.commit()
        yield engine, url, job.id
    engine.dispose()


def _worker(url: str, results: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(results.parent),
        "JOB_RESULT_DIR": str(results),
        "JOBS_DB": huey.storage.filename,  # the queue this test puts the job in
        "JOB_STALE_SECONDS": "2",
        "PUBLIC_BASE_URL": "https://registry.example",
    }
    log = open(results.parent / "worker.log", "ab")  # noqa: SIM115  (kept open while the worker runs)
    return subprocess.Popen([sys.executable, "-m", "traceability.cli", "worker"], env=env, stdout=log, stderr=log)


def _job(engine, job_id: int) -> Job:
    with Session(bind=engine) as session:
        return session.get(Job, job_id)


def _wait(engine, job_id: int, done, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(engine, job_id)
        if done(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is {job.status} at {job.progress}% after {timeout} s")


def test_a_worker_killed_mid_job_leaves_it_to_the_next_worker(committed):
    engine, url, job_id = committed
    results = Path(tempfile.mkdtemp(dir=_RUN_DIR, prefix="worker-")) / "jobs"
    huey.flush()
    run_job(job_id, 1)  # queued, as a request does once it has committed

    first = _worker(url, results)
    try:
        running = _wait(engine, job_id, lambda j: j.status == JobStatus.RUNNING and 0 < j.progress < 90)
    finally:
        first.kill()  # SIGKILL: no chance to clean up
        first.wait()
    assert running.result_path is None
    time.sleep(0.5)
    left = _job(engine, job_id)
    assert left.status == JobStatus.RUNNING and left.result_path is None  # no file offered
    assert not [p for p in results.iterdir() if not p.name.endswith(".part")]  # only the part-made file

    time.sleep(2.5)  # longer than JOB_STALE_SECONDS without a word from the dead worker
    second = _worker(url, results)
    try:
        done = _wait(engine, job_id, lambda j: j.finished)
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert done.status == JobStatus.DONE and done.attempt == 2 and done.progress == 100
    files = sorted(p.name for p in results.iterdir())
    assert files == [f"{job_id}.pdf"]  # the dead worker's part-made file is gone
    pdf = (results / files[0]).read_bytes()
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == CODES // 40  # every label, not a part
