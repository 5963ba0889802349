"""Forms take what people type in Việt Nam (a decimal comma, dd/mm/yyyy); pages show numbers and days the same
way; the JSON API keeps JSON numbers and ISO dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from traceability.batches.models import Amendment, Batch, BatchStatus
from traceability.registry.models import Site

from .conftest import login


@pytest.fixture
def producer(make_user):
    return make_user()


@pytest.fixture
def web(client, producer, db_session):
    db_session.commit()
    login(client, producer)
    client.set_cookie("lang", "vi")
    return client


def test_a_site_typed_with_decimal_commas_is_kept_and_shown_as_typed(web, db_session, producer):
    response = web.post(
        "/app/sites/new",
        data={
            "kind": "growing_area",
            "name": "Đồi chè số 3",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "latitude": "21,4912",
            "longitude": "105,7841",
            "area_ha": "2,5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    site = db_session.scalar(select(Site).where(Site.name == "Đồi chè số 3"))
    assert (float(site.latitude), float(site.longitude), float(site.area_ha)) == (21.4912, 105.7841, 2.5)
    listing = web.get("/app/sites").get_data(as_text=True)
    assert "2,5 ha" in listing and "2.5000" not in listing
    form = web.get(f"/app/sites/{site.id}").get_data(as_text=True)
    assert 'value="21,4912"' in form and 'value="2,5"' in form  # typed back the way it was typed


def test_a_batch_typed_with_a_decimal_comma_and_a_dd_mm_yyyy_day(web, db_session, producer, make_product):
    product = make_product(producer.organization, name="Chè búp tươi", shelf_life_days=2)
    db_session.commit()
    response = web.post(
        "/app/batches/new",
        data={"product_id": product.id, "quantity": "180,5", "unit": "túi", "harvested_on": "05/10/2026"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    batch = db_session.scalar(select(Batch).where(Batch.product_id == product.id))
    assert (batch.quantity, batch.harvested_on) == (Decimal("180.5"), dt.date(2026, 10, 5))
    page = web.get(f"/app/batches/{batch.id}").get_data(as_text=True)
    assert "180,5 túi" in page and "05/10/2026" in page
    assert "180.500" not in page and "5/10/26" not in page


def test_a_thousands_grouping_and_a_bad_number_are_read_or_refused_by_name(web, db_session, producer, make_product):
    product = make_product(producer.organization, name="Chè khô", shelf_life_days=30)
    db_session.commit()
    grouped = web.post("/app/batches/new", data={"product_id": product.id, "quantity": "1.200,5", "unit": "kg"})
    assert grouped.status_code == 302
    assert db_session.scalar(select(Batch.quantity).where(Batch.product_id == product.id)) == Decimal("1200.5")
    bad = web.post("/app/batches/new", data={"product_id": product.id, "quantity": "2,5,1", "unit": "kg"})
    assert bad.status_code == 422
    assert "Không phải số hợp lệ." in bad.get_data(as_text=True)


def test_an_amendment_reads_a_decimal_comma_and_names_the_field_in_vietnamese(
    web, db_session, producer, make_batch, client
):
    batch = make_batch(org=producer.organization, status=BatchStatus.PUBLISHED, quantity=200, unit="túi")
    db_session.commit()
    response = web.post(
        f"/app/batches/{batch.id}/records/amendment",
        data={"field": "quantity", "value": "180,5", "reason": "Cân lại sau phân loại"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db_session.get(Batch, batch.id).quantity == Decimal("180.5")
    assert db_session.scalar(select(Amendment.new_value).where(Amendment.batch_id == batch.id)) == "180.5"
    dated = web.post(
        f"/app/batches/{batch.id}/records/amendment",
        data={"field": "expires_on", "value": "31/12/2026", "reason": "Hạn dùng theo kết quả kiểm nghiệm"},
    )
    assert dated.status_code == 302, dated.get_data(as_text=True)
    page = web.get(f"/app/batches/{batch.id}").get_data(as_text=True)
    assert "Số lượng</b>: 200 → 180,5" in page
    assert "31/12/2026" in page


def test_the_api_keeps_json_numbers_and_iso_days(api_as, producer, make_product, db_session):
    product = make_product(producer.organization, name="Chè", shelf_life_days=2)
    db_session.commit()
    api = api_as(producer)
    refused = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": "2,5", "unit": "kg"})
    assert refused.status_code == 422 and "quantity" in refused.json["errors"]["json"]
    day = api.post(
        "/api/v1/batches",
        json={"product_id": product.id, "quantity": 2.5, "unit": "kg", "harvested_on": "05/10/2026"},
    )
    assert day.status_code == 422 and "harvested_on" in day.json["errors"]["json"]


def test_the_vietnamese_import_template_is_headed_in_vietnamese_and_imports(web):
    from traceability.interop.csv_import import parse

    content = web.get("/app/batches/import/template.csv").data
    assert content.startswith("\ufeffMã lô,Sản phẩm".encode())
    parsed = parse(content)
    assert parsed.errors == []
    assert parsed.rows[0][1]["quantity"] == Decimal("120.5")
