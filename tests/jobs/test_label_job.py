"""A label sheet longer than the cap becomes a job: queued after the request commits, run by the worker, its
progress and then its file shown; a job that fails says why; nothing half-made is ever offered."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from traceability.accounts.models import Role
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import issue_serial_codes
from traceability.jobs import services
from traceability.jobs.models import Job, JobStatus
from traceability.jobs.queue import huey

from ..conftest import run_queued


@pytest.fixture
def producer(db_session, make_org, make_user, make_batch, make_product, settings):
    settings["LABEL_SHEET_MAX_CODES"] = 50
    org = make_org()
    batch = make_batch(
        org,
        product=make_product(org, gtin="08936012345001"),
        status=BatchStatus.PUBLISHED,
        lot_code="TC-7",
        expires_on=dt.date(2027, 12, 31),
    )
    user = make_user(Role.PRODUCER, org)
    issue_serial_codes(db_session, batch, 130, user)
    db_session.commit()
    huey.flush()
    yield user, batch
    huey.flush()


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_a_long_sheet_is_made_by_the_worker_and_then_downloaded(app, producer, login_as, api_as, db_session):
    user, batch = producer
    client = login_as(user)
    page = client.get(f"/app/batches/{batch.id}/codes").get_data(as_text=True)
    assert 'id="label-job-form"' in page  # offered beside the parts, once the run is longer than a sheet

    response = client.post(f"/app/batches/{batch.id}/labels/job", data={"per_page": "10"})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    waiting = client.get(f"/app/jobs/{job_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Waiting for the worker" in waiting and 'http-equiv="refresh"' in waiting
    api = api_as(user)
    db_session.commit()
    assert api.get(f"/api/v1/jobs/{job_id}").json == {
        "id": job_id,
        "kind": "label_sheet",
        "status": "queued",
        "progress": 0,
        "message": None,
        "result_url": None,
    }
    assert client.get(f"/app/jobs/{job_id}/download").status_code == 409  # nothing before it is done

    with app.app_context():
        assert run_queued() == 1
    status = api.get(f"/api/v1/jobs/{job_id}").json
    assert status["status"] == "done" and status["progress"] == 100
    assert status["result_url"] == f"http://localhost/app/jobs/{job_id}/download"
    done = client.get(f"/app/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-download"' in done and 'http-equiv="refresh"' not in done
    pdf = client.get(f"/app/jobs/{job_id}/download")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "attachment; filename=labels-TC-7-serial.pdf"
    assert _pages(pdf.data) == 13  # all 130 codes, 10 a page: past the 50 a sheet may hold in a request
    assert pdf.data.rstrip().endswith(b"%%EOF")


def test_a_job_that_fails_says_why_and_offers_no_file(app, producer, login_as, api_as, db_session):
    user, batch = producer
    client = login_as(user)
    job_id = int(client.post(f"/app/batches/{batch.id}/labels/job").headers["Location"].rsplit("/", 1)[1])
    db_session.get(Batch, batch.id).status = BatchStatus.RECALLED  # before the worker gets to it
    db_session.commit()
    with app.app_context():
        run_queued()
    status = api_as(user).get(f"/api/v1/jobs/{job_id}", headers={"Accept-Language": "en"}).json
    assert status["status"] == "failed" and status["result_url"] is None
    assert status["message"] == "Chỉ in được tem cho lô hàng đã công bố."  # in the owner's language
    assert "Chỉ in được tem" in client.get(f"/app/jobs/{job_id}").get_data(as_text=True)
    assert client.get(f"/app/jobs/{job_id}/download").status_code == 409
    with app.app_context():
        assert not list(services.result_dir().glob(f"{job_id}-*.part"))  # nothing half-made left behind


def test_a_refused_request_queues_nothing(producer, login_as, db_session):
    user, batch = producer
    client = login_as(user)
    response = client.post(f"/app/batches/{batch.id}/labels/job", data={"per_page": "7"})
    assert response.status_code == 422
    assert huey.pending_count() == 0 and db_session.scalar(select(Job)) is None
    # a job recorded and then rolled back is never handed to the worker
    services.submit(db_session, "label_sheet", user, {"batch_id": batch.id, "per_page": 10})
    db_session.rollback()
    assert huey.pending_count() == 0


def test_another_users_job_is_not_found(producer, make_user, login_as, db_session):
    user, batch = producer
    job = Job(kind="label_sheet", owner_id=user.id, params={}, status=JobStatus.DONE)
    db_session.add(job)
    db_session.commit()
    other = login_as(make_user(Role.PRODUCER, batch.organization))  # a colleague, even
    assert other.get(f"/app/jobs/{job.id}").status_code == 404


def test_a_job_whose_worker_keeps_dying_is_failed_not_retried_for_ever(app, producer, db_session):
    user, _batch = producer
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    dying = Job(kind="label_sheet", owner_id=user.id, params={}, status=JobStatus.RUNNING, heartbeat_at=long_ago)
    again = Job(kind="label_sheet", owner_id=user.id, params={}, status=JobStatus.RUNNING, heartbeat_at=long_ago)
    dying.attempt = 3
    waiting = Job(kind="label_sheet", owner_id=user.id, params={}, status=JobStatus.QUEUED)  # just queued
    db_session.add_all([dying, again, waiting])
    db_session.flush()
    with app.app_context():
        requeued = services.recover(db_session, stale_seconds=120, max_attempts=3)
        db_session.commit()
    assert requeued == [again] and (again.status, again.attempt) == (JobStatus.QUEUED, 2)
    assert dying.status == JobStatus.FAILED
    assert dying.message == "Tiến trình chạy nền đã dừng 3 lần khi làm công việc này; hãy yêu cầu lại."
    assert waiting.status == JobStatus.QUEUED and waiting.attempt == 1
    assert huey.pending_count() == 1  # the re-queued one, after the commit


def test_the_api_starts_a_label_sheet_job(app, producer, api_as, db_session, make_org, make_user):
    user, batch = producer
    api = api_as(user)
    started = api.post(f"/api/v1/batches/{batch.id}/labels/jobs", json={"per_page": 24})
    assert started.status_code == 202, started.json
    job_id = started.json["id"]
    assert started.headers["Location"] == f"http://localhost/api/v1/jobs/{job_id}"
    assert started.json["status"] == "queued" and started.json["kind"] == "label_sheet"
    db_session.commit()
    with app.app_context():
        assert run_queued() == 1
    done = api.get(started.headers["Location"]).json
    assert done["status"] == "done" and done["result_url"].endswith(f"/app/jobs/{job_id}/download")

    refused = api.post(f"/api/v1/batches/{batch.id}/labels/jobs", json={"per_page": 7})
    assert refused.status_code == 422 and "per_page" in refused.json["errors"]["json"]
    unknown = api.post(f"/api/v1/batches/{batch.id}/labels/jobs", json={"from_code": "ZZZ", "to_code": "ZZZ"})
    assert unknown.status_code == 422 and "from_code" in unknown.json["errors"]["json"]
    stranger = api_as(make_user(Role.PRODUCER, make_org()))
    assert stranger.post(f"/api/v1/batches/{batch.id}/labels/jobs", json={}).status_code == 404
    assert db_session.scalar(select(Job).where(Job.owner_id != user.id)) is None  # nothing queued for them
