"""Bad input is a clear 4xx naming the field, never a 500; nothing is half written. Text is cleaned on the way in
(control characters) and on the way out (spreadsheets of data stored before)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from flask import has_request_context, request
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus, Event
from traceability.reference.models import ProductCategory
from traceability.registry.models import Certification, Product


@pytest.fixture
def producer(make_user):
    return make_user()


@pytest.fixture
def api(api_as, producer, db_session):
    client = api_as(producer)
    db_session.commit()
    return client


def _field_error(response, field: str, location: str = "json") -> list[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["code"] == 422 and response.json["status"]
    return response.json["errors"][location][field]


def _product(**values):
    return {"name": "Chè xanh", "category": "tea", "unit": "kg", **values}


def test_nul_in_any_text_is_refused_by_name_and_nothing_is_written(api, producer, make_batch, db_session):
    batch = make_batch(producer.organization)
    db_session.commit()
    assert "NUL" in _field_error(api.post("/api/v1/products", json=_product(name="Chè\x00xanh")), "name")[0]
    certificate = {"scheme": "VietGAP", "number": "VG\x00-1", "issuer": "QUACERT", "valid_from": "2026-01-01"}
    _field_error(api.post("/api/v1/certifications", json=certificate), "number")
    lab = {"laboratory": "Lab", "sampled_on": "2026-09-01", "analyte": "Chlorpyrifos\x00", "result": "pass"}
    _field_error(api.post(f"/api/v1/batches/{batch.id}/lab-tests", json=lab), "analyte")
    happening = {"type": "harvest", "occurred_at": "2026-10-01T08:00:00", "note": "hái\x00"}
    _field_error(api.post(f"/api/v1/batches/{batch.id}/events", json=happening), "note")
    org, batch_id, product_id = producer.organization_id, batch.id, batch.product_id
    db_session.expire_all()
    assert db_session.scalars(select(Product.id).where(Product.organization_id == org)).all() == [product_id]
    assert db_session.scalars(select(Certification).where(Certification.organization_id == org)).all() == []
    assert db_session.scalars(select(Event).where(Event.batch_id == batch_id)).all() == []


def test_nul_in_a_search_box_or_a_path_is_a_422_not_a_database_error(api, make_user, login_as, db_session):
    _field_error(api.get("/api/v1/batches?q=ch%00e"), "q", "query")
    _field_error(api.get("/api/v1/codes/AB%00CD/qr.png"), "code", "path")
    inspector = make_user(Role.INSPECTOR)
    db_session.commit()
    page = login_as(inspector).get("/inspect/find?q=ab%00cd")
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True).lower()


def test_other_control_characters_are_left_out_of_stored_text(api):
    created = api.post("/api/v1/products", json=_product(name="Chè\x0b xanh\x1f Tân Cương", brand="Hồng\x07 Trà"))
    assert created.status_code == 201
    assert created.json["name"] == "Chè xanh Tân Cương" and created.json["brand"] == "Hồng Trà"


def test_spreadsheets_leave_out_control_characters_stored_before(
    api, producer, make_product, make_batch, make_user, login_as, db_session
):
    # a category made from text typed before the list existed (the migration keeps it as typed)
    db_session.add(ProductCategory(code="che_xanh", name_vi="chè\x01 xanh", name_en="chè\x01 xanh", origin="migrated"))
    product = make_product(producer.organization, name="Chè\x0bxanh", category_code="che_xanh")
    make_batch(producer.organization, product=product, note="ghi\x1bchú")
    inspector = make_user(Role.INSPECTOR)
    db_session.commit()

    export = api.get("/api/v1/batches/export?format=xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert "Chèxanh" in rows[1]

    today = dt.date.today()
    period = f"from={today - dt.timedelta(days=1)}&to={today + dt.timedelta(days=1)}"
    report = login_as(inspector).get(f"/inspect/report.xlsx?{period}")
    assert report.status_code == 200
    cells = {
        c for sheet in load_workbook(io.BytesIO(report.data)) for row in sheet.iter_rows(values_only=True) for c in row
    }
    assert "chè xanh" in cells


def test_numbers_beyond_what_a_column_holds_are_named(api, producer, make_product, db_session):
    product = make_product(producer.organization)
    db_session.commit()
    for quantity in (1e23, "1e23", "1e999999", "NaN", 100_000_000_000):
        response = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": quantity})
        assert _field_error(response, "quantity"), quantity
    assert _field_error(api.post("/api/v1/batches", json={"product_id": 2**40, "quantity": 1}), "product_id")
    site = {"kind": "farm", "name": "Trại", "province": "Thái Nguyên", "commune": "Đồng Hỷ", "area_ha": 1e20}
    _field_error(api.post("/api/v1/sites", json=site), "area_ha")
    fine = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": 99_999_999_999.999})
    assert fine.status_code == 201 and fine.json["quantity"] == 99_999_999_999.999  # a number, as documented


def test_page_numbers_are_bounded(api):
    _field_error(api.get("/api/v1/batches?page=1e30"), "page", "query")
    _field_error(api.get("/api/v1/batches?page=100000000000000000000"), "page", "query")
    listed = api.get("/api/v1/batches?page=2")
    assert listed.status_code == 200 and json.loads(listed.headers["X-Pagination"])["total"] == 0


def test_ids_past_the_integer_columns_are_not_found(api):
    assert api.get(f"/api/v1/batches/{2**70}").status_code == 404
    assert api.get(f"/api/v1/batches/{2**70}").json["code"] == 404


def test_dates_at_the_calendars_edges_are_named(api, producer, make_product, make_batch, db_session):
    product = make_product(producer.organization, shelf_life_days=365)
    batch = make_batch(producer.organization, product=product)
    db_session.commit()
    late = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": 1, "produced_on": "9999-12-31"})
    assert _field_error(late, "produced_on")
    early = {"type": "harvest", "occurred_at": "0001-01-01T00:00:00+14:00"}
    _field_error(api.post(f"/api/v1/batches/{batch.id}/events", json=early), "occurred_at")
    local = {"type": "harvest", "occurred_at": "0001-01-01T00:00:00"}  # Việt Nam time, before year 1 in UTC
    _field_error(api.post(f"/api/v1/batches/{batch.id}/events", json=local), "occurred_at")


def test_amendments_take_the_fields_own_json_type(api, producer, make_batch, db_session):
    batch = make_batch(producer.organization, status=BatchStatus.PUBLISHED)
    db_session.commit()
    url = f"/api/v1/batches/{batch.id}/amendments"
    as_number = api.post(url, json={"field": "quantity", "value": 90, "reason": "cân lại"})
    assert as_number.status_code == 201, as_number.json
    assert api.get(f"/api/v1/batches/{batch.id}").json["quantity"] == 90
    as_text = api.post(url, json={"field": "quantity", "value": "85.5", "reason": "cân lại lần hai"})
    assert as_text.status_code == 201
    as_date = api.post(url, json={"field": "harvested_on", "value": "2026-10-02", "reason": "ghi nhầm ngày"})
    assert as_date.status_code == 201
    _field_error(api.post(url, json={"field": "quantity", "value": True, "reason": "thử xem"}), "value")
    _field_error(api.post(url, json={"field": "quantity", "value": 1e23, "reason": "thử xem"}), "value")
    _field_error(api.post(url, json={"field": "expires_on", "value": "9999-12-31", "reason": "thử xem"}), "value")


def test_a_database_that_went_away_answers_503_with_retry_after(api, producer, make_product, db_session):
    product = make_product(producer.organization)
    db_session.commit()

    def gone(_session):
        if has_request_context() and request.method == "POST":
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(Session, "before_commit", gone)
    try:
        response = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": 1})
    finally:
        event.remove(Session, "before_commit", gone)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json["code"] == 503 and response.json["message"]
    assert api.get("/api/v1/batches").json == []  # nothing half written


def test_unwritable_storage_answers_503_with_retry_after(api, producer, make_product, db_session, settings, tmp_path):
    product = make_product(producer.organization)
    db_session.commit()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings["UPLOAD_DIR"] = str(blocker)  # no folder can be made there, as on a read-only or lost volume
    png = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(png, "PNG")
    png.seek(0)
    response = api.put(f"/api/v1/products/{product.id}/image", data={"image": (png, "a.png")})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json["code"] == 503
    assert api.get(f"/api/v1/products/{product.id}").json["has_image"] is False


def test_wrong_method_on_the_api_names_the_allowed_ones(api):
    response = api.delete("/api/v1/batches")
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_drafts_unit_cannot_be_set_to_null(api, producer, make_batch, db_session):
    batch = make_batch(producer.organization)
    db_session.commit()
    _field_error(api.patch(f"/api/v1/batches/{batch.id}", json={"unit": None}), "unit")
    assert api.get(f"/api/v1/batches/{batch.id}").json["unit"] == "kg"
