"""The batch API as an ERP or spreadsheet tool uses it."""

import datetime as dt

import pytest
from sqlalchemy import select

from traceability.accounts.models import OrgStatus
from traceability.batches.models import Amendment, Batch, BatchStatus, PublishAttempt


@pytest.fixture
def producer(make_user, make_org):
    return make_user(org=make_org())


@pytest.fixture
def api(api_as, producer):
    return api_as(producer)


def _new_batch(api, product, site, **values):
    body = {"product_id": product.id, "site_id": site.id, "quantity": "120.5", "harvested_on": "2026-10-01"}
    body.update(values)
    response = api.post("/api/v1/batches", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_create_batch_suggests_lot_code_unit_and_expiry(api, producer, make_product, make_site):
    product = make_product(producer.organization, name="Chè Tân Cương", unit="kg", shelf_life_days=30)
    site = make_site(producer.organization)
    batch = _new_batch(api, product, site)
    assert batch["lot_code"] == "CTC-261001-1"
    assert batch["unit"] == "kg" and batch["quantity"] == 120.5
    assert batch["expires_on"] == "2026-10-31"
    assert batch["status"] == "draft"
    again = _new_batch(api, product, site)
    assert again["lot_code"] == "CTC-261001-2"
    clash = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": "1", "lot_code": batch["lot_code"]})
    assert clash.status_code == 422 and "lot_code" in clash.json["errors"]["json"]


def test_bad_fields_are_named_and_nothing_is_written(api, producer, make_product, db_session):
    product = make_product(producer.organization)
    db_session.commit()
    response = api.post(
        "/api/v1/batches", json={"product_id": product.id, "quantity": "-3", "harvested_on": "01/10/2026"}
    )
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"quantity", "harvested_on"}
    assert db_session.scalar(select(Batch).where(Batch.product_id == product.id)) is None


def test_a_refused_publication_lists_every_reason_and_is_kept(
    api, producer, make_product, make_site, spray, db_session, substances
):
    product = make_product(producer.organization)
    site = make_site(producer.organization)
    batch = _new_batch(api, product, site, harvested_on="2026-09-26")
    assert api.post(f"/api/v1/batches/{batch['id']}/chemicals", json=spray(applied_on="2026-09-20")).status_code == 201
    banned = spray(trade_name="Regent 800WG", active_ingredient="Fipronil 800 g/kg", phi_days=None)
    assert api.post(f"/api/v1/batches/{batch['id']}/chemicals", json=banned).status_code == 201

    response = api.post(f"/api/v1/batches/{batch['id']}/publish", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    messages = response.json["errors"]["json"]["chemicals"]
    assert len(messages) == 2
    assert any("Sep 27, 2026" in m for m in messages)  # the first allowed harvest day is named
    assert any("Fipronil" in m for m in messages)
    attempts = db_session.scalars(select(PublishAttempt).where(PublishAttempt.batch_id == batch["id"])).all()
    assert [a.is_accepted for a in attempts] == [False]
    assert {p["rule"] for p in attempts[0].problems} == {"pre_harvest_interval", "banned_substance"}
    assert db_session.get(Batch, batch["id"]).status == BatchStatus.DRAFT


def test_publish_after_correcting_gives_the_code_and_url(api, producer, make_product, make_site, spray, db_session):
    product = make_product(producer.organization, gtin="08936012345001")
    site = make_site(producer.organization)
    batch = _new_batch(api, product, site, harvested_on="2026-09-26", lot_code="TEA-01")
    api.post(f"/api/v1/batches/{batch['id']}/chemicals", json=spray(applied_on="2026-09-20"))
    assert api.post(f"/api/v1/batches/{batch['id']}/publish").status_code == 422
    assert api.patch(f"/api/v1/batches/{batch['id']}", json={"harvested_on": "2026-09-27"}).status_code == 200
    response = api.post(f"/api/v1/batches/{batch['id']}/publish")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "published"
    assert response.json["url"] == "https://registry.example/01/08936012345001/10/TEA-01"
    assert len(response.json["code"]) == 13
    attempts = db_session.scalars(select(PublishAttempt.is_accepted).where(PublishAttempt.batch_id == batch["id"]))
    assert list(attempts) == [False, True]
    # published: no direct edits, no deletion, no new chemical records
    assert api.patch(f"/api/v1/batches/{batch['id']}", json={"quantity": "1"}).status_code == 409
    assert api.post(f"/api/v1/batches/{batch['id']}/chemicals", json=spray()).status_code == 409
    assert api.post(f"/api/v1/batches/{batch['id']}/publish").status_code == 409


def test_an_unverified_organisation_cannot_publish(api_as, make_user, make_org, make_product, make_site, db_session):
    user = make_user(org=make_org(status=OrgStatus.PENDING))
    api = api_as(user)
    db_session.commit()
    batch = _new_batch(api, make_product(user.organization), make_site(user.organization))
    response = api.post(f"/api/v1/batches/{batch['id']}/publish")
    assert response.status_code == 422
    assert "organization" in response.json["errors"]["json"]


def test_amendments_change_published_facts_with_a_reason(api, producer, make_batch, spray, db_session):
    batch = make_batch(org=producer.organization, status=BatchStatus.PUBLISHED, quantity=100)
    db_session.commit()
    response = api.post(
        f"/api/v1/batches/{batch.id}/amendments",
        json={"field": "quantity", "value": "95", "reason": "Cân lại sau khi phân loại"},
    )
    assert response.status_code == 201, response.json
    assert response.json["old_value"] == "100" and response.json["new_value"] == "95"
    assert api.get(f"/api/v1/batches/{batch.id}").json["quantity"] == 95
    no_reason = api.post(f"/api/v1/batches/{batch.id}/amendments", json={"field": "quantity", "value": "90"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]["json"]
    bad_value = api.post(
        f"/api/v1/batches/{batch.id}/amendments",
        json={"field": "harvested_on", "value": "hôm qua", "reason": "nhầm ngày"},
    )
    assert bad_value.status_code == 422 and "value" in bad_value.json["errors"]["json"]
    not_amendable = api.post(
        f"/api/v1/batches/{batch.id}/amendments", json={"field": "status", "value": "draft", "reason": "thử xem"}
    )
    assert not_amendable.status_code == 422 and "field" in not_amendable.json["errors"]["json"]
    assert len(db_session.scalars(select(Amendment).where(Amendment.batch_id == batch.id)).all()) == 1


def test_an_amendment_that_breaks_a_rule_is_refused(api, producer, make_batch, db_session):
    batch = make_batch(org=producer.organization, status=BatchStatus.PUBLISHED, planted_on=dt.date(2026, 3, 1))
    db_session.commit()  # what the test set up must outlive the refused request's rollback
    response = api.post(
        f"/api/v1/batches/{batch.id}/amendments",
        json={"field": "harvested_on", "value": "2026-02-01", "reason": "Sửa ngày thu hoạch"},
    )
    assert response.status_code == 422
    assert db_session.get(Batch, batch.id).harvested_on == dt.date(2026, 10, 1)


def test_events_and_lab_tests(api, producer, make_batch, db_session):
    batch = make_batch(org=producer.organization)
    db_session.commit()
    event = api.post(
        f"/api/v1/batches/{batch.id}/events",
        json={"type": "harvesting", "occurred_at": "2026-10-01T07:30", "note": "Hái tay"},
    )
    assert event.status_code == 201
    assert event.json["occurred_at"].startswith("2026-10-01T00:30")  # 07:30 in Việt Nam is 00:30 UTC
    wrong_type = api.post(
        f"/api/v1/batches/{batch.id}/events", json={"type": "dancing", "occurred_at": "2026-10-01T07:30"}
    )
    assert wrong_type.status_code == 422 and "type" in wrong_type.json["errors"]["json"]
    test = api.post(
        f"/api/v1/batches/{batch.id}/lab-tests",
        json={
            "laboratory": "Trung tâm Kiểm nghiệm Thái Nguyên",
            "sampled_on": "2026-10-02",
            "reported_on": "2026-10-01",
            "analyte": "Dư lượng thuốc BVTV",
            "result": "pass",
            "limit": "0.01",
        },
    )
    assert test.status_code == 422 and "reported_on" in test.json["errors"]["json"]


def test_list_filters_and_pages(api, producer, make_batch, make_product, db_session):
    tea = make_product(producer.organization, name="Chè móc câu")
    for n in range(25):
        make_batch(org=producer.organization, product=tea, lot_code=f"MC-{n:02d}")
    make_batch(org=producer.organization, lot_code="OTHER-1", status=BatchStatus.PUBLISHED)
    make_batch(lot_code="MC-99")  # another organisation's
    db_session.commit()
    first = api.get("/api/v1/batches", query_string={"product_id": tea.id, "page_size": 10})
    assert first.status_code == 200 and len(first.json) == 10
    assert '"total": 25' in first.headers["X-Pagination"]
    assert len(api.get("/api/v1/batches", query_string={"q": "mc-", "page": 3, "page_size": 10}).json) == 5
    assert [b["lot_code"] for b in api.get("/api/v1/batches", query_string={"status": "published"}).json] == ["OTHER-1"]


def test_another_organisations_rows_answer_404(api, make_batch, spray, db_session):
    batch = make_batch()
    db_session.commit()
    site, product = batch.site, batch.product
    assert api.get(f"/api/v1/batches/{batch.id}").status_code == 404
    assert api.patch(f"/api/v1/batches/{batch.id}", json={"quantity": "1"}).status_code == 404
    assert api.post(f"/api/v1/batches/{batch.id}/chemicals", json=spray()).status_code == 404
    assert api.post(f"/api/v1/batches/{batch.id}/publish").status_code == 404
    assert api.get(f"/api/v1/sites/{site.id}").status_code == 404
    assert api.patch(f"/api/v1/products/{product.id}", json={"name": "Của tôi"}).status_code == 404
    taken = api.post("/api/v1/batches", json={"product_id": product.id, "quantity": "1"})
    assert taken.status_code == 422 and "product_id" in taken.json["errors"]["json"]


def test_a_batch_others_were_made_from_is_not_deleted(producer, make_batch, db_session, web):
    leaf = make_batch(org=producer.organization)
    make_batch(org=producer.organization, inputs=[(leaf, 10)])
    db_session.commit()
    assert web.post(f"/app/batches/{leaf.id}/delete").status_code == 409
    assert db_session.get(Batch, leaf.id) is not None
