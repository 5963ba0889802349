"""A lab test's report through the API: attached, read back, replaced only while the batch is a draft."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus, LabResult, LabTest

from ..registry.test_upload_api import PDF, png, put_file, stored_file, stored_path


@pytest.fixture
def lab_test(db_session, make_batch, producer):
    def _make(status: BatchStatus = BatchStatus.DRAFT) -> LabTest:
        batch = make_batch(producer.organization, status=status)
        test = LabTest(
            batch=batch,
            laboratory="Trung tâm Kiểm nghiệm Thái Nguyên",
            sampled_on=dt.date(2026, 10, 1),
            analyte="Dư lượng thuốc BVTV",
            result=LabResult.PASS,
        )
        db_session.add(test)
        db_session.commit()
        return test

    return _make


def _path(test: LabTest) -> str:
    return f"/api/v1/lab-tests/{test.id}/document"


def test_a_report_is_attached_read_back_and_replaced_on_a_draft(api_as, producer, make_user, lab_test, app):
    test = lab_test()
    api, inspector = api_as(producer), api_as(make_user(Role.INSPECTOR))
    first = put_file(api, _path(test), "document", PDF, "report.pdf", "application/octet-stream")
    assert first.status_code == 200 and first.json["has_document"] is True
    old = stored_file(app, stored_path(LabTest, LabTest.document_path, test.id))
    read = inspector.get(_path(test))
    assert read.status_code == 200 and read.mimetype == "application/pdf" and read.data == PDF
    assert put_file(api, _path(test), "document", png(), "scan.png").status_code == 200
    assert api.get(_path(test)).mimetype == "image/png"
    assert not old.exists()


def test_a_published_batchs_report_is_kept_once_attached(api_as, producer, lab_test, app):
    test = lab_test(BatchStatus.PUBLISHED)
    api = api_as(producer)
    assert put_file(api, _path(test), "document", PDF, "report.pdf", "application/pdf").status_code == 200
    kept = stored_path(LabTest, LabTest.document_path, test.id)
    files = set(stored_file(app, kept).parent.iterdir())
    again = put_file(api, _path(test), "document", png(), "other.png")
    assert again.status_code == 409 and "record a new lab test" in again.json["message"]
    assert stored_path(LabTest, LabTest.document_path, test.id) == kept
    assert stored_file(app, kept).read_bytes() == PDF
    assert set(stored_file(app, kept).parent.iterdir()) == files  # the refused file was not kept either


def test_a_forged_report_is_refused_with_the_field_named(api_as, producer, lab_test):
    test = lab_test()
    response = put_file(api_as(producer), _path(test), "document", b"MZ\x90\x00 program", "r.pdf", "application/pdf")
    assert response.status_code == 422
    assert response.json["errors"] == {"files": {"document": ["Upload a PDF, JPEG, PNG or WebP file."]}}
    assert stored_path(LabTest, LabTest.document_path, test.id) is None


def test_another_organisations_lab_test_answers_404_and_anonymous_401(client, api_as, make_user, lab_test):
    test = lab_test()
    stranger = api_as(make_user())
    assert put_file(stranger, _path(test), "document", PDF, "r.pdf", "application/pdf").status_code == 404
    assert stranger.get(_path(test)).status_code == 404
    anonymous = client.put(
        _path(test), data={"document": (io.BytesIO(PDF), "r.pdf")}, content_type="multipart/form-data"
    )
    assert anonymous.status_code == 401 and client.get(_path(test)).status_code == 401
    assert stored_path(LabTest, LabTest.document_path, test.id) is None
