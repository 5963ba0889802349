"""Inspection photos through the API: added by the inspector who recorded the inspection, read back by inspectors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import Role
from traceability.inspection.models import Inspection, InspectionResult

from ..conftest import failing_commit

EN = {"Accept-Language": "en"}


def jpeg(size=(2400, 1800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def send(api, inspection_id: int, *files: tuple[bytes, str]):
    return api.post(
        f"/api/v1/inspections/{inspection_id}/photos",
        data={"photos": [(io.BytesIO(content), name) for content, name in files]},
        content_type="multipart/form-data",
        headers=EN,
    )


def photo_files(app) -> set[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "inspections"
    return {p for p in folder.glob("*") if p.is_file()}


def saved_photos(inspection_id: int) -> list[str]:
    db.session.remove()  # what the database holds, not the test's copy of the row
    return db.session.scalar(select(Inspection.photos).where(Inspection.id == inspection_id))


@pytest.fixture
def inspection(db_session, make_batch, inspector):
    batch = make_batch()
    inspection = Inspection(
        inspector=inspector, batch=batch, organization=batch.organization, result=InspectionResult.MINOR_ISSUE
    )
    db_session.add(inspection)
    db_session.flush()
    return inspection


def test_photos_are_added_resized_and_read_back(api_as, inspector, inspection, make_user, db_session, app):
    api, admin = api_as(inspector), api_as(make_user(Role.ADMIN))
    db_session.commit()
    response = send(api, inspection.id, (jpeg(), "IMG_0001.jpg"), (jpeg((800, 600)), "IMG_0002.jpg"))
    assert response.status_code == 200, response.json
    names = response.json["photos"]
    assert len(names) == 2 and saved_photos(inspection.id) == names
    first = api.get(f"/api/v1/inspections/{inspection.id}/photos/{names[0]}")
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(first.data)).size == (1600, 1200)  # scaled down for a weak signal
    assert admin.get(f"/api/v1/inspections/{inspection.id}/photos/{names[1]}").status_code == 200
    more = send(api, inspection.id, (jpeg(), "IMG_0003.jpg"))
    assert more.json["photos"][:2] == names and len(more.json["photos"]) == 3


def test_a_file_that_is_not_a_photo_by_its_content_is_refused(api_as, inspector, inspection, db_session, app):
    api = api_as(inspector)
    db_session.commit()
    before = photo_files(app)
    response = send(api, inspection.id, (jpeg(), "IMG_0001.jpg"), (b"%PDF-1.4 not an image", "IMG_0002.jpg"))
    assert response.status_code == 422
    assert response.json["errors"] == {"files": {"photos": ["IMG_0002.jpg: Upload a photo (JPEG, PNG or WebP)."]}}
    assert saved_photos(inspection.id) == [] and photo_files(app) == before


def test_a_too_large_request_is_refused_in_the_api_format(api_as, inspector, inspection, db_session, app, monkeypatch):
    api = api_as(inspector)
    db_session.commit()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = send(api, inspection.id, (jpeg() + b"\0" * 1024 * 1024, "IMG_0001.jpg"))
    assert response.status_code == 413
    assert response.json["errors"] == {"files": {"photos": ["The upload is larger than 1 MB in all."]}}
    assert saved_photos(inspection.id) == []


def test_at_most_five_photos_per_inspection(api_as, inspector, inspection, db_session, app):
    api = api_as(inspector)
    db_session.commit()
    assert send(api, inspection.id, *[(jpeg((200, 150)), f"{n}.jpg") for n in range(4)]).status_code == 200
    before = photo_files(app)
    response = send(api, inspection.id, (jpeg((200, 150)), "5.jpg"), (jpeg((200, 150)), "6.jpg"))
    assert response.status_code == 422
    assert "room for 1 more" in response.json["errors"]["files"]["photos"][0]
    assert len(saved_photos(inspection.id)) == 4 and photo_files(app) == before


def test_only_the_inspector_who_recorded_it_adds_photos(api_as, inspection, make_user, db_session, client):
    colleague, producer = api_as(make_user(Role.INSPECTOR)), api_as(make_user(Role.PRODUCER))
    owner = api_as(make_user(Role.PRODUCER, inspection.organization))
    db_session.commit()
    assert send(colleague, inspection.id, (jpeg(), "a.jpg")).status_code == 403
    assert send(producer, inspection.id, (jpeg(), "a.jpg")).status_code == 403
    assert send(owner, inspection.id, (jpeg(), "a.jpg")).status_code == 403  # the inspected organisation too
    assert send(colleague, 999_999, (jpeg(), "a.jpg")).status_code == 404
    anonymous = send(client, inspection.id, (jpeg(), "a.jpg"))
    assert anonymous.status_code == 401 and anonymous.is_json
    assert saved_photos(inspection.id) == []


def test_photos_are_read_by_inspectors_and_admins_only(api_as, inspector, inspection, make_user, db_session, client):
    api = api_as(inspector)
    producer = api_as(make_user(Role.PRODUCER, inspection.organization))
    db_session.commit()
    name = send(api, inspection.id, (jpeg(), "a.jpg")).json["photos"][0]
    path = f"/api/v1/inspections/{inspection.id}/photos/{name}"
    assert api_as(make_user(Role.INSPECTOR)).get(path).status_code == 200
    assert producer.get(path).status_code == 403
    assert client.get(path).status_code == 401
    assert api.get(f"/api/v1/inspections/{inspection.id}/photos/not-this-one.jpg").status_code == 404


def test_a_photo_of_another_inspection_is_not_served_through_this_one(
    api_as, inspector, inspection, make_batch, db_session
):
    other = Inspection(inspector=inspector, batch=make_batch(), result=InspectionResult.COMPLIANT)
    db_session.add(other)
    api = api_as(inspector)
    db_session.commit()
    name = send(api, other.id, (jpeg(), "a.jpg")).json["photos"][0]
    assert api.get(f"/api/v1/inspections/{inspection.id}/photos/{name}").status_code == 404


def test_a_failed_save_keeps_no_photo_on_disk(api_as, inspector, inspection, db_session, app):
    api = api_as(inspector)
    db_session.commit()
    inspection_id, before = inspection.id, photo_files(app)
    with failing_commit("POST", f"/api/v1/inspections/{inspection_id}/photos"):
        response = send(api, inspection_id, (jpeg(), "a.jpg"))
    assert response.status_code == 500 and response.is_json
    assert saved_photos(inspection_id) == [] and photo_files(app) == before
