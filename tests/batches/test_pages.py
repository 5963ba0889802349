"""The batch pages as a cooperative's bookkeeper uses them."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from traceability.batches.models import Batch, BatchStatus, PublishAttempt

EN = {"Accept-Language": "en"}


@pytest.fixture
def product(make_product, producer, db_session):
    product = make_product(producer.organization, name="Chè búp tươi", shelf_life_days=2)
    db_session.commit()
    return product


def test_new_batch_from_the_form_with_inputs(web, producer, product, make_batch, db_session):
    leaf = make_batch(org=producer.organization, product=product, lot_code="LEAF-1", quantity=50)
    db_session.commit()
    response = web.post(
        "/app/batches/new",
        data={
            "product_id": product.id,
            "site_id": leaf.site_id,
            "quantity": "10",
            "harvested_on": "2026-10-02",
            "input_1_batch": leaf.id,
            "input_1_quantity": "40",
        },
    )
    assert response.status_code == 302
    batch = db_session.scalar(select(Batch).where(Batch.lot_code == "CBT-261002-1"))
    assert batch.expires_on.isoformat() == "2026-10-04"  # harvest + 2 days of shelf life
    assert [(i.input_batch_id, int(i.quantity)) for i in batch.inputs] == [(leaf.id, 40)]
    overdrawn = web.post(
        "/app/batches/new",
        data={"product_id": product.id, "quantity": "1", "input_1_batch": leaf.id, "input_1_quantity": "11"},
        headers=EN,
    )
    assert overdrawn.status_code == 422
    assert "holds 50 kg, but 51 kg of it are used" in overdrawn.get_data(as_text=True)


def test_copy_from_a_previous_batch_prefills_the_form(web, producer, product, make_batch, db_session):
    old = make_batch(org=producer.organization, product=product, quantity=321)
    db_session.commit()
    page = web.get(f"/app/batches/new?copy={old.id}").get_data(as_text=True)
    assert 'value="321' in page
    assert f'<option value="{old.site_id}" selected' in page


def test_a_broken_interval_is_shown_then_corrected_and_published(web, producer, product, make_batch, db_session):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    response = web.post(
        f"/app/batches/{batch.id}/records/chemical",
        data={
            "applied_on": "2026-09-28",
            "trade_name": "Actara 25WG",
            "active_ingredient": "Thiamethoxam 25%",
            "purpose": "insecticide",
            "phi_days": "7",
        },
    )
    assert response.status_code == 302
    page = web.get(f"/app/batches/{batch.id}", headers=EN).get_data(as_text=True)
    assert "harvest may start on Oct 5, 2026, but the harvest date is Oct 1, 2026" in page
    refused = web.post(f"/app/batches/{batch.id}/publish", headers=EN)
    assert refused.status_code == 422 and "Oct 5, 2026" in refused.get_data(as_text=True)
    assert db_session.scalar(select(PublishAttempt.is_accepted).where(PublishAttempt.batch_id == batch.id)) is False
    web.post(
        f"/app/batches/{batch.id}/edit",
        data={"harvested_on": "2026-10-05", "quantity": "100", "product_id": product.id},
    )
    assert web.post(f"/app/batches/{batch.id}/publish").status_code == 302
    published = db_session.get(Batch, batch.id)
    assert published.status == BatchStatus.PUBLISHED
    assert published.expires_on.isoformat() == "2026-10-07"  # the suggested expiry followed the new harvest date
    # published: amendments only, with a reason
    amended = web.post(
        f"/app/batches/{batch.id}/records/amendment",
        data={"field": "quantity", "value": "90", "reason": "Hao hụt khi phân loại"},
    )
    assert amended.status_code == 302
    assert "Hao hụt khi phân loại" in web.get(f"/app/batches/{batch.id}").get_data(as_text=True)
    assert web.post(f"/app/batches/{batch.id}/delete").status_code == 409


def test_lab_test_with_a_document_and_a_forged_one(web, producer, product, make_batch, db_session):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    base = {
        "laboratory": "Trung tâm Kiểm nghiệm",
        "sampled_on": "2026-10-01",
        "analyte": "Dư lượng thuốc BVTV",
        "result": "pass",
    }
    forged = web.post(
        f"/app/batches/{batch.id}/records/lab_test",
        data={**base, "document": (io.BytesIO(b"GIF89a fake"), "report.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert forged.status_code == 422 and "Upload a PDF, JPEG, PNG or WebP file." in forged.get_data(as_text=True)
    good = web.post(
        f"/app/batches/{batch.id}/records/lab_test",
        data={**base, "document": (io.BytesIO(b"%PDF-1.7\nreport"), "report.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    test = db_session.get(Batch, batch.id).lab_tests[0]
    assert web.get(f"/app/lab-tests/{test.id}/document").data.startswith(b"%PDF-")


def test_a_deleted_lab_test_takes_its_document_with_it(web, producer, product, make_batch, db_session, app):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    for _ in range(2):
        web.post(
            f"/app/batches/{batch.id}/records/lab_test",
            data={
                "laboratory": "Trung tâm Kiểm nghiệm",
                "sampled_on": "2026-10-01",
                "analyte": "Dư lượng thuốc BVTV",
                "result": "pass",
                "document": (io.BytesIO(b"%PDF-1.7\nreport"), "report.pdf", "application/pdf"),
            },
            content_type="multipart/form-data",
        )
    db_session.expire_all()
    first, second = (
        Path(app.config["UPLOAD_DIR"]) / t.document_path for t in db_session.get(Batch, batch.id).lab_tests
    )
    assert first.is_file() and second.is_file()
    record_id = db_session.get(Batch, batch.id).lab_tests[0].id
    assert (
        web.post(f"/app/batches/{batch.id}/records/lab_test/delete", data={"record_id": record_id}).status_code == 302
    )
    assert not first.exists() and second.is_file()
    assert web.post(f"/app/batches/{batch.id}/delete").status_code == 302  # the draft, with its last lab test
    assert not second.exists()


def test_drafts_can_be_deleted(web, producer, product, make_batch, db_session):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    assert web.post(f"/app/batches/{batch.id}/delete").status_code == 302
    assert db_session.get(Batch, batch.id) is None


def test_list_searches_filters_and_pages(web, producer, product, make_batch, db_session):
    for n in range(23):
        make_batch(org=producer.organization, product=product, lot_code=f"T-{n:02d}")
    db_session.commit()
    first = web.get("/app/batches").get_data(as_text=True)
    assert "1 / 2" in first and first.count('class="card"') >= 20
    assert "T-07" in web.get("/app/batches?q=t-07").get_data(as_text=True)
    assert "T-07" not in web.get("/app/batches?status=published").get_data(as_text=True)
    assert web.get("/app/batches?from=not-a-date").status_code == 200


def test_the_chemical_form_is_checked_while_typing(web, producer, product, make_batch, db_session, substances):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    url = f"/app/batches/{batch.id}/check-chemical"
    early = web.post(url, data={"applied_on": "2026-09-25", "phi_days": "7", "trade_name": "Actara"}, headers=EN)
    assert early.json["problems"] == [
        "Actara was applied on Sep 25, 2026 with a pre-harvest interval of 7 days: "
        "harvest may start on Oct 2, 2026, but the harvest date is Oct 1, 2026."
    ]
    assert web.post(url, data={"applied_on": "2026-09-24", "phi_days": "7"}).json["problems"] == []
    banned = web.post(url, data={"active_ingredient": "Paraquat 20%"}, headers=EN)
    assert "Paraquat" in banned.json["problems"][0]
    half_typed = web.post(url, data={"applied_on": "2026-09-"})
    assert half_typed.json["problems"] == [] and "applied_on" in half_typed.json["errors"]
    assert not db_session.get(Batch, batch.id).chemicals  # nothing saved


def test_a_lab_report_is_kept_when_another_field_is_wrong(web, producer, product, make_batch, db_session):
    batch = make_batch(org=producer.organization, product=product)
    db_session.commit()
    refused = web.post(
        f"/app/batches/{batch.id}/records/lab_test",
        data={
            "laboratory": "Trung tâm Kiểm nghiệm",
            "sampled_on": "không phải ngày",
            "analyte": "Dư lượng thuốc BVTV",
            "result": "pass",
            "document": (io.BytesIO(b"%PDF-1.7\nkept report"), "phieu-kiem-nghiem.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "File kept: phieu-kiem-nghiem.pdf" in page
    token = re.search(r'name="document_kept" value="([^"]+)"', page).group(1)
    saved = web.post(
        f"/app/batches/{batch.id}/records/lab_test",
        data={
            "laboratory": "Trung tâm Kiểm nghiệm",
            "sampled_on": "01/10/2026",
            "analyte": "Dư lượng thuốc BVTV",
            "result": "pass",
            "document_kept": token,
        },
    )
    assert saved.status_code == 302
    test = db_session.get(Batch, batch.id).lab_tests[0]
    assert web.get(f"/app/lab-tests/{test.id}/document").data == b"%PDF-1.7\nkept report"
