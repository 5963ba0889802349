"""The yearly report's workbook is made by the worker: the page's button starts a job, whose page then offers it."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from traceability.accounts.models import Role
from traceability.jobs.queue import huey

from ..conftest import run_queued


def test_the_yearly_workbook_is_made_by_the_worker(app, make_user, login_as, db_session):
    huey.flush()
    client = login_as(make_user(Role.INSPECTOR))
    page = client.get("/inspect/report?year=2025").get_data(as_text=True)
    assert 'id="xlsx-job"' in page and "/inspect/report/job?from=2025-01-01&amp;to=2025-12-31" in page

    started = client.post("/inspect/report/job?from=2025-01-01&to=2025-12-31")
    assert started.status_code == 302
    job_page = started.headers["Location"]
    assert "/app/jobs/" in job_page
    with app.app_context():
        assert run_queued() == 1
    assert 'id="job-download"' in client.get(job_page).get_data(as_text=True)
    workbook = client.get(f"{job_page}/download")
    assert workbook.status_code == 200
    assert (
        workbook.headers["Content-Disposition"] == "attachment; filename=bao-cao-truy-xuat-2025-01-01-2025-12-31.xlsx"
    )
    assert load_workbook(io.BytesIO(workbook.data)).sheetnames  # a workbook that opens

    assert client.post("/inspect/report/job?from=bad").status_code == 422
    assert login_as(make_user(Role.PRODUCER)).post("/inspect/report/job").status_code in (403, 404)
    huey.flush()
