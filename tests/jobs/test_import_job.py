"""An import file longer than IMPORT_INLINE_ROWS is checked and written by the worker: the same rules and
messages as in the request, all or nothing, its problems by row and column on the job's page and in the API."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from traceability import storage
from traceability.accounts.models import Role
from traceability.batches.models import Batch
from traceability.jobs.models import Job
from traceability.jobs.queue import huey

from ..conftest import run_queued
from ..interop.test_csv_import import GOOD, _csv


@pytest.fixture(autouse=True)
def short_requests(settings):
    settings["IMPORT_INLINE_ROWS"] = 2  # GOOD has three rows
    huey.flush()
    yield
    huey.flush()


@pytest.fixture
def farm(db_session, make_org, make_product, make_site):
    org = make_org()
    make_product(org, name="Chè xanh", gtin="08936012345001")
    make_site(org, name="Đồi chè A", area_code="VN-TNTC-0001")
    db_session.flush()
    return org


def _lots(db_session, org) -> list[str]:
    return sorted(db_session.scalars(select(Batch.lot_code).where(Batch.organization_id == org.id)))


def test_a_long_file_is_imported_by_the_worker(app, farm, make_user, login_as, api_as, db_session):
    user = make_user(Role.PRODUCER, farm)
    client = login_as(user)
    sent = client.post(
        "/app/batches/import",
        data={"file": (io.BytesIO(_csv(*GOOD)), "lots.csv")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302 and "/app/jobs/" in sent.headers["Location"]
    job = db_session.scalar(select(Job).where(Job.owner_id == user.id))
    with app.app_context():
        kept = storage.inside(job.input_path)
    assert kept.is_file() and job.kind == "batch_import"
    assert _lots(db_session, farm) == []  # nothing yet: the worker writes

    with app.app_context():
        assert run_queued() == 1
    assert _lots(db_session, farm) == ["L-001", "L-002"]
    page = client.get(f"/app/jobs/{job.id}").get_data(as_text=True)  # said in the user's language, Vietnamese
    assert "Đã nhập 2 lô cùng 2 lần sử dụng thuốc/hóa chất (ở trạng thái nháp)." in page
    listed = client.get(f"/app/jobs/{job.id}/download")
    assert listed.status_code == 200 and listed.mimetype == "text/csv"
    lines = listed.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "lot_code,batch_id" and [line.split(",")[0] for line in lines[1:]] == ["L-001", "L-002"]
    assert not kept.exists()  # the uploaded file goes once the job has ended


def test_a_long_file_with_problems_writes_nothing_and_names_them(app, farm, make_user, login_as, api_as, db_session):
    user = make_user(Role.PRODUCER, farm)
    user.locale = "en"  # the worker speaks the language the user chose
    api = api_as(user)
    db_session.commit()
    rows = [*GOOD, "L-009,Chè đen,,1,kg,,,,,,", "L-010,Chè xanh,,nhiều,kg,,,,,,"]
    sent = api.post(
        "/api/v1/batches/import", data=_csv(*rows), headers={"Content-Type": "text/csv", "Accept-Language": "en"}
    )
    assert sent.status_code == 202, sent.json
    assert sent.headers["Location"].endswith(f"/api/v1/jobs/{sent.json['id']}")
    db_session.commit()
    with app.app_context():
        assert run_queued() == 1
    answer = api.get(sent.headers["Location"]).json
    assert answer["status"] == "failed" and answer["result_url"] is None
    assert answer["errors"]["5"] == {"product": ["Unknown product: Chè đen."]}
    assert list(answer["errors"]["6"]) == ["quantity"]
    assert "Nothing was imported" in answer["message"]
    assert _lots(db_session, farm) == []  # the good rows neither

    page = login_as(user).get(f"/app/jobs/{answer['id']}?lang=en").get_data(as_text=True)
    assert 'id="job-problems"' in page and "Row 5</strong> · <code>product</code>: Unknown product: Chè đen." in page


def test_a_long_file_refused_as_a_whole_is_answered_at_once(farm, make_user, api_as, db_session):
    api = api_as(make_user(Role.PRODUCER, farm))
    db_session.commit()
    lines = _csv(*GOOD, header="lot_code,quantity,colour")
    refused = api.post("/api/v1/batches/import", data=lines, headers={"Content-Type": "text/csv"})
    assert refused.status_code == 422 and "file" in refused.json["errors"]["json"]
    assert db_session.scalar(select(Job)) is None
