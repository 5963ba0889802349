"""Recording an inspection in the field: result, findings, samples, position, photos, and its action."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from PIL import Image
from sqlalchemy import func, select

from traceability.batches.models import Batch, BatchStatus
from traceability.inspection.models import Inspection, InspectionAction, InspectionResult


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Inspection))


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (40, 120, 60)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_api_records_an_inspection_with_samples_and_position(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    api = api_as(inspector)
    db_session.commit()
    response = api.post(
        "/api/v1/inspections",
        json={
            "batch_id": batch.id,
            "result": "minor_issue",
            "findings": "Nhật ký phun thuốc ghi thiếu liều lượng.",
            "action": "warning",
            "latitude": 21.57381,
            "longitude": 105.75842,
            "samples": [{"sample_code": "TN-2026-0412", "laboratory": "Trung tâm Kiểm nghiệm Thái Nguyên"}],
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["result"] == "minor_issue" and body["action"] == "warning"
    assert body["organization_id"] == batch.organization_id
    assert body["site_id"] == batch.site_id  # the batch's origin, when none is named
    assert body["samples"] == [
        {"sample_code": "TN-2026-0412", "laboratory": "Trung tâm Kiểm nghiệm Thái Nguyên", "note": None}
    ]
    saved = db_session.get(Inspection, body["id"])
    assert saved.latitude == Decimal("21.573810") and saved.inspector_id == inspector.id
    assert db_session.get(Batch, batch.id).status == BatchStatus.PUBLISHED  # a warning changes nothing


def test_a_violation_with_a_recall_recalls_the_batch_in_the_same_step(db_session, tree, inspector, api_as):
    api = api_as(inspector)
    db_session.commit()
    response = api.post(
        "/api/v1/inspections",
        json={
            "batch_id": tree.leaf.id,
            "result": "violation",
            "findings": "Phát hiện Carbendazim trong kho vật tư.",
            "action": "recall",
        },
    )
    assert response.status_code == 201, response.json
    assert [a["lot_code"] for a in response.json["affected"]] == ["DRY-1", "BOX-1"]
    leaf = db_session.get(Batch, tree.leaf.id)
    assert leaf.status == BatchStatus.RECALLED
    assert leaf.status_reason == "Phát hiện Carbendazim trong kho vật tư."  # the findings, when no reason


def test_a_refused_action_saves_nothing(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.DRAFT)
    api = api_as(inspector)
    db_session.commit()
    before = _count(db_session)
    response = api.post(
        "/api/v1/inspections",
        json={"batch_id": batch.id, "result": "violation", "action": "suspend", "reason": "Sai nhãn"},
    )
    assert response.status_code == 409
    assert _count(db_session) == before


def test_bad_fields_are_named(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    api = api_as(inspector)
    db_session.commit()
    before = _count(db_session)
    cases = [
        ({"batch_id": batch.id}, "result"),
        ({"batch_id": batch.id, "result": "bad"}, "result"),
        ({"batch_id": batch.id, "result": "violation", "action": "recall"}, "reason"),
        ({"batch_id": batch.id, "result": "compliant", "latitude": 21.5}, "longitude"),
        ({"batch_id": batch.id, "result": "compliant", "latitude": 95, "longitude": 105}, "latitude"),
        ({"batch_id": batch.id, "result": "compliant", "action": "recall", "reason": "x"}, "action"),
        ({"result": "compliant"}, "batch_id"),
        ({"batch_id": batch.id, "result": "compliant", "inspected_at": "2999-01-01T08:00:00+07:00"}, "inspected_at"),
        ({"batch_id": 999999, "result": "compliant"}, "batch_id"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/inspections", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"]["json"], (body, response.json)
    assert _count(db_session) == before


def test_a_site_of_another_organisation_is_refused(db_session, make_batch, make_site, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    elsewhere = make_site()
    api = api_as(inspector)
    db_session.commit()
    response = api.post(
        "/api/v1/inspections", json={"batch_id": batch.id, "site_id": elsewhere.id, "result": "compliant"}
    )
    assert response.status_code == 422
    assert "site_id" in response.json["errors"]["json"]


def test_a_record_sent_later_keeps_the_time_of_the_check(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    api = api_as(inspector)
    db_session.commit()
    response = api.post(
        "/api/v1/inspections",
        json={"batch_id": batch.id, "result": "compliant", "inspected_at": "2026-11-20T09:15:00+07:00"},
    )
    assert response.status_code == 201
    assert db_session.get(Inspection, response.json["id"]).inspected_at == dt.datetime(
        2026, 11, 20, 2, 15, tzinfo=dt.UTC
    )


def test_a_site_can_be_inspected_without_a_batch(db_session, make_site, inspector, api_as):
    site = make_site()
    api = api_as(inspector)
    db_session.commit()
    response = api.post("/api/v1/inspections", json={"site_id": site.id, "result": "compliant"})
    assert response.status_code == 201
    assert response.json["organization_id"] == site.organization_id


def test_the_form_records_an_inspection_with_a_photo(db_session, make_batch, inspector, login_as, app):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    client = login_as(inspector)
    response = client.post(
        f"/inspect/batches/{batch.id}/inspections",
        data={
            "result": "compliant",
            "findings": "Đồi chè sạch cỏ, nhật ký đầy đủ.",
            "action": "none",
            "sample_code": ["TN-01", ""],
            "sample_laboratory": ["Viện KN", ""],
            "latitude": "21.5738",
            "longitude": "105.7584",
            "photos": [(_jpeg(), "IMG_0001.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    inspection = db_session.scalars(select(Inspection).where(Inspection.batch_id == batch.id)).one()
    assert inspection.result == InspectionResult.COMPLIANT
    assert [(s.sample_code, s.laboratory) for s in inspection.samples] == [("TN-01", "Viện KN")]
    assert len(inspection.photos) == 1
    photo = client.get(f"/inspect/photos/{inspection.photos[0]}")
    assert photo.status_code == 200
    assert max(Image.open(io.BytesIO(photo.data)).size) == 1600  # scaled down for a weak signal
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đồi chè sạch cỏ, nhật ký đầy đủ." in page


def test_the_form_refuses_a_file_that_is_not_a_photo(db_session, make_batch, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    client = login_as(inspector)
    response = client.post(
        f"/inspect/batches/{batch.id}/inspections",
        data={"result": "compliant", "photos": [(io.BytesIO(b"%PDF-1.4 not an image"), "note.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "note.pdf" in response.get_data(as_text=True)
    assert db_session.scalars(select(Inspection).where(Inspection.batch_id == batch.id)).all() == []


def test_the_form_with_a_recall_shows_the_affected_batches(db_session, tree, inspector, login_as):
    db_session.commit()
    client = login_as(inspector)
    response = client.post(
        f"/inspect/batches/{tree.leaf.id}/inspections",
        data={"result": "violation", "findings": "Dư lượng vượt ngưỡng", "action": InspectionAction.RECALL.value},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="affected"' in page
    assert "DRY-1" in page and "BOX-1" in page and "Công ty Chè Sông Cầu" in page


def test_the_form_names_a_missing_result(db_session, make_batch, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    response = login_as(inspector).post(f"/inspect/batches/{batch.id}/inspections", data={"findings": "x"})
    assert response.status_code == 422
    assert 'id="e-result"' in response.get_data(as_text=True)


def test_the_form_names_a_sample_without_its_code(db_session, make_batch, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    response = login_as(inspector).post(
        f"/inspect/batches/{batch.id}/inspections",
        data={"result": "compliant", "sample_code": ["", ""], "sample_laboratory": ["Viện KN", ""]},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-samples"' in html and "Mã mẫu 1:" in html
