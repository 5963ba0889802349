"""Field work through the API, without a browser: the field pack, and what a phone sends back once.

A phone on a weak signal repeats itself: the same inspection or photo sent again must not be stored twice. A
suspension requested offline is held when the batch changed since the pack, until the inspector decides.
"""

from __future__ import annotations

import io
import uuid

from PIL import Image
from sqlalchemy import func, select

from traceability import db
from traceability.accounts.models import Role
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import issue_serial_codes
from traceability.inspection.models import Inspection, InspectionPhotoKey

EN = {"Accept-Language": "en"}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def count_inspections() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Inspection))


def status_of(batch_id: int) -> BatchStatus:
    db.session.remove()
    return db.session.scalar(select(Batch.status).where(Batch.id == batch_id))


def pack_for(api, commune: str) -> dict:
    response = api.get("/api/v1/field-pack", query_string={"commune": commune}, headers=EN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_pack_of_a_commune_holds_its_batches_records_and_codes(
    api_as, inspector, make_org, make_batch, make_user, db_session
):
    grower = make_org(name="HTX Chè La Bằng", commune="La Bằng")
    elsewhere = make_org(name="HTX Chè Tân Cương", commune="Tân Cương")
    tea = make_batch(grower, status=BatchStatus.PUBLISHED, lot_code="LB-01")
    make_batch(elsewhere, status=BatchStatus.PUBLISHED, lot_code="TC-01")
    serials = issue_serial_codes(db_session, tea, 3, make_user(Role.PRODUCER, grower))
    db_session.commit()

    pack = pack_for(api_as(inspector), "la Bằng")  # as typed, in any case
    assert [b["lot_code"] for b in pack["batches"]] == ["LB-01"]
    record = pack["batches"][0]
    assert record["status"] == "published" and record["status_text"] == "Published"
    assert sorted(record["unit_codes"]) == sorted(serials) and record["lot_code_value"]
    assert record["version"].startswith("published@")
    assert [o["name"] for o in pack["organizations"]] == ["HTX Chè La Bằng"]


def test_the_pack_needs_a_choice(api_as, inspector):
    response = api_as(inspector).get("/api/v1/field-pack", headers=EN)
    assert response.status_code == 422
    assert "commune" in response.get_json()["errors"]["query"]


def test_an_inspection_sent_twice_is_recorded_once(api_as, inspector, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_as(inspector)
    body = {
        "client_key": str(uuid.uuid4()),
        "batch_id": batch.id,
        "result": "minor_issue",
        "findings": "Nhãn mờ",
        "latitude": "21.57",
        "longitude": "105.75",
        "samples": [{"sample_code": "M-01", "laboratory": "Trung tâm Kiểm nghiệm"}],
        "inspected_at": "2026-11-30T03:00:00Z",
    }
    first = api.post("/api/v1/inspections", json=body, headers=EN)
    again = api.post("/api/v1/inspections", json=body, headers=EN)
    assert first.status_code == 201, first.get_json()
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count_inspections() == 1


def test_a_suspension_requested_offline_applies_when_the_batch_is_as_the_pack_saw_it(
    api_as, inspector, make_batch, db_session
):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_as(inspector)
    version = pack_for(api, batch.organization.commune)["batches"][0]["version"]
    body = {
        "client_key": str(uuid.uuid4()),
        "batch_id": batch.id,
        "result": "violation",
        "findings": "Dư lượng vượt ngưỡng",
        "action": "suspend",
        "batch_version": version,
    }
    response = api.post("/api/v1/inspections", json=body, headers=EN)
    assert response.status_code == 201 and response.get_json()["held_action"] is None
    assert status_of(batch.id) == BatchStatus.SUSPENDED
    # the same send again (the answer was lost): nothing more happens, and no error about the status
    assert api.post("/api/v1/inspections", json=body, headers=EN).status_code == 200
    assert count_inspections() == 1


def test_a_suspension_is_held_when_the_batch_changed_and_the_inspector_decides(
    api_as, inspector, make_user, make_batch, db_session
):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_as(inspector)
    version = pack_for(api, batch.organization.commune)["batches"][0]["version"]
    # meanwhile the producer published an amendment
    amend = api_as(make_user(Role.PRODUCER, batch.organization))
    changed = amend.post(
        f"/api/v1/batches/{batch.id}/amendments", json={"field": "unit", "value": "hộp", "reason": "Sai đơn vị"}
    )
    assert changed.status_code in (200, 201), changed.get_json()
    body = {
        "client_key": str(uuid.uuid4()),
        "batch_id": batch.id,
        "result": "violation",
        "findings": "Dư lượng vượt ngưỡng",
        "action": "suspend",
        "batch_version": version,
    }
    response = api.post("/api/v1/inspections", json=body, headers=EN)
    answer = response.get_json()
    assert response.status_code == 201, answer
    assert answer["held_action"] == "suspend" and answer["action"] == "none"
    assert any("Amendment" in line for line in answer["conflict"])
    assert status_of(batch.id) == BatchStatus.PUBLISHED  # held, not applied

    decided = api.post(f"/api/v1/inspections/{answer['id']}/held-action", json={"decision": "apply"}, headers=EN)
    assert decided.status_code == 200 and decided.get_json()["action"] == "suspend"
    assert status_of(batch.id) == BatchStatus.SUSPENDED
    # asked again: the same answer, nothing changes
    again = api.post(f"/api/v1/inspections/{answer['id']}/held-action", json={"decision": "apply"}, headers=EN)
    assert again.status_code == 200 and status_of(batch.id) == BatchStatus.SUSPENDED


def test_a_held_recall_can_be_dropped(api_as, inspector, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_as(inspector)
    version = pack_for(api, batch.organization.commune)["batches"][0]["version"]
    other = api_as(inspector)  # another send, a suspension, changes the status meanwhile
    other.post(f"/api/v1/batches/{batch.id}/suspend", json={"reason": "Kiểm tra lại"}, headers=EN)
    body = {
        "client_key": str(uuid.uuid4()),
        "batch_id": batch.id,
        "result": "violation",
        "action": "recall",
        "reason": "Hàng giả",
        "batch_version": version,
    }
    answer = api.post("/api/v1/inspections", json=body, headers=EN).get_json()
    assert answer["held_action"] == "recall" and any("Suspended" in line for line in answer["conflict"])
    dropped = api.post(f"/api/v1/inspections/{answer['id']}/held-action", json={"decision": "drop"}, headers=EN)
    assert dropped.status_code == 200 and dropped.get_json()["held_action"] is None
    assert status_of(batch.id) == BatchStatus.SUSPENDED


def test_a_photo_sent_twice_under_its_key_is_stored_once(api_as, inspector, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_as(inspector)
    body = {"client_key": str(uuid.uuid4()), "batch_id": batch.id, "result": "compliant"}
    inspection_id = api.post("/api/v1/inspections", json=body, headers=EN).get_json()["id"]
    key = str(uuid.uuid4())
    for _ in range(2):
        response = api.put(
            f"/api/v1/inspections/{inspection_id}/photos/{key}",
            data={"photo": (io.BytesIO(jpeg()), "IMG_1.jpg")},
            content_type="multipart/form-data",
            headers=EN,
        )
        assert response.status_code == 200, response.get_json()
        assert len(response.get_json()["photos"]) == 1
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(InspectionPhotoKey)) == 1
    bad = api.put(
        f"/api/v1/inspections/{inspection_id}/photos/not-a-key",
        data={"photo": (io.BytesIO(jpeg()), "IMG_1.jpg")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert bad.status_code == 422


def test_only_inspectors_sync(api_as, inspector, make_user, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    producer = make_user(Role.PRODUCER, batch.organization)
    db_session.commit()
    body = {"client_key": str(uuid.uuid4()), "batch_id": batch.id, "result": "compliant"}
    assert api_as(producer).post("/api/v1/inspections", json=body, headers=EN).status_code == 403
    assert api_as(producer).get("/api/v1/field-pack?commune=x", headers=EN).status_code == 403
    recorded = api_as(inspector).post("/api/v1/inspections", json=body, headers=EN).get_json()
    # another inspector cannot decide on it, nor reuse its key
    colleague = api_as(make_user(Role.INSPECTOR))
    decided = colleague.post(f"/api/v1/inspections/{recorded['id']}/held-action", json={"decision": "drop"})
    assert decided.status_code == 403
    assert colleague.post("/api/v1/inspections", json=body, headers=EN).status_code == 409
    assert count_inspections() == 1
