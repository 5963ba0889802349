"""Status at a glance: published, suspended (amber), recalled (red, also through an input), expired."""

from __future__ import annotations

import datetime as dt

from traceability.accounts.models import OrgStatus, Role
from traceability.batches.models import BatchStatus, ChemicalApplication, ChemicalPurpose, LabResult, LabTest
from traceability.inspection.models import Inspection, InspectionResult
from traceability.registry.models import Certification


def _facts(client, code):
    response = client.get(f"/c/{code.value}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.get_json()


def test_suspended_batch_is_amber_with_the_reason(client, published, set_status):
    batch, code = published()
    set_status(batch, BatchStatus.SUSPENDED, "Chờ kết quả kiểm nghiệm dư lượng")
    facts = _facts(client, code)
    assert facts["status"] == "suspended"
    (warning,) = facts["warnings"]
    assert warning["kind"] == "suspension" and "Chờ kết quả kiểm nghiệm dư lượng" in warning["message"]
    assert warning["since"] is not None
    html = client.get(f"/c/{code.value}").get_data(as_text=True)
    assert 'class="verdict warn"' in html
    assert "Tạm dừng lưu thông để kiểm tra" in html


def test_recalled_batch_is_red_with_reason_and_date(client, published, set_status):
    batch, code = published()
    set_status(batch, BatchStatus.RECALLED, "Dư lượng vượt ngưỡng")
    facts = _facts(client, code)
    assert facts["status"] == "recalled"
    assert facts["warnings"][0]["kind"] == "recall"
    html = client.get(f"/c/{code.value}").get_data(as_text=True)
    assert 'class="verdict bad"' in html and "Dư lượng vượt ngưỡng" in html


def test_recall_of_an_input_two_steps_up_reaches_the_downstream_page(
    client, make_batch, published, db_session, set_status
):
    leaf = make_batch(status=BatchStatus.PUBLISHED, lot_code="CHE-TUOI-01")
    processed = make_batch(status=BatchStatus.PUBLISHED, inputs=[(leaf, 50)])
    packed, code = published(inputs=[(processed, 10)])
    assert _facts(client, code)["status"] == "published"

    set_status(leaf, BatchStatus.RECALLED, "Phát hiện Carbendazim")
    facts = _facts(client, code)
    assert facts["status"] == "recalled"
    (warning,) = facts["warnings"]
    assert warning["kind"] == "recall"
    assert "CHE-TUOI-01" in warning["message"] and "Phát hiện Carbendazim" in warning["message"]
    assert warning["input"]["lot_code"] == "CHE-TUOI-01" and warning["input"]["status"] == "recalled"
    assert warning["input"]["url"].endswith("/c/" + _lot_code(db_session, leaf))
    assert packed.status == BatchStatus.PUBLISHED  # the page derives it; nothing was written downstream


def _lot_code(db_session, batch):
    from traceability.codes.services import lot_code_for

    return lot_code_for(db_session, batch).value


def test_a_suspended_input_warns_without_changing_the_status(client, make_batch, published, set_status):
    upstream = make_batch(status=BatchStatus.PUBLISHED)
    _batch, code = published(inputs=[(upstream, 5)])
    set_status(upstream, BatchStatus.SUSPENDED, "Đang xác minh")
    facts = _facts(client, code)
    assert facts["status"] == "published"
    assert [w["kind"] for w in facts["warnings"]] == ["suspension"]


def test_inputs_one_step_back_are_links(client, make_batch, published):
    upstream = make_batch(status=BatchStatus.PUBLISHED, lot_code="LA-CHE-07")
    draft = make_batch(status=BatchStatus.DRAFT, lot_code="NHAP-01")
    _batch, code = published(inputs=[(upstream, 40), (draft, 1)])
    facts = _facts(client, code)
    urls = {line["lot_code"]: line["url"] for line in facts["inputs"]}
    assert urls["LA-CHE-07"].startswith("https://registry.example/c/")
    assert urls["NHAP-01"] is None  # a draft has no public page to link to
    html = client.get(f"/c/{code.value}").get_data(as_text=True)
    assert f'href="{urls["LA-CHE-07"].removeprefix("https://registry.example")}"' in html


def test_expired_batch(client, published):
    _batch, code = published(expires_on=dt.date(2020, 1, 1))
    facts = _facts(client, code)
    assert facts["status"] == "expired"
    assert [w["kind"] for w in facts["warnings"]] == ["expired"]


def test_unverified_producer_is_said(client, published, make_org):
    _batch, code = published(org=make_org(status=OrgStatus.PENDING))
    facts = _facts(client, code)
    assert facts["producer"]["is_verified"] is False
    assert "unverified_producer" in [w["kind"] for w in facts["warnings"]]


def test_pre_harvest_interval_verdict_in_plain_words(client, published, db_session):
    batch, code = published(harvested_on=dt.date(2026, 10, 1))
    db_session.add(
        ChemicalApplication(
            batch_id=batch.id,
            applied_on=dt.date(2026, 9, 28),
            trade_name="Bemsuper 200WP",
            active_ingredient="Tricyclazole",
            purpose=ChemicalPurpose.FUNGICIDE,
            phi_days=14,
        )
    )
    db_session.commit()
    chemical = _facts(client, code)["chemicals"][0]
    assert (chemical["days_before_harvest"], chemical["phi_respected"]) == (3, False)
    html = client.get(f"/c/{code.value}?lang=en").get_data(as_text=True)
    assert "Harvested only 3 days later; the required waiting time is 14 days — NOT respected." in html


def test_lab_results_certifications_and_latest_inspection(client, published, make_user, db_session):
    batch, code = published()
    db_session.add_all(
        [
            LabTest(
                batch_id=batch.id,
                laboratory="Trung tâm Kiểm nghiệm Thái Nguyên",
                sampled_on=dt.date(2026, 10, 2),
                analyte="Dư lượng thuốc BVTV",
                result=LabResult.PASS,
            ),
            Certification(
                organization_id=batch.organization_id,
                scheme="VietGAP",
                number="VG-001",
                issuer="QUACERT",
                valid_from=dt.date(2025, 1, 1),
                valid_to=dt.date(2026, 12, 31),
            ),
            Certification(
                organization_id=batch.organization_id,
                scheme="OCOP",
                number="OCOP-2019",
                issuer="UBND tỉnh",
                valid_from=dt.date(2019, 1, 1),
                valid_to=dt.date(2021, 12, 31),
            ),
        ]
    )
    inspector = make_user(Role.INSPECTOR)
    for day, result in ((1, InspectionResult.MINOR_ISSUE), (20, InspectionResult.COMPLIANT)):
        db_session.add(
            Inspection(
                inspector_id=inspector.id,
                batch_id=batch.id,
                result=result,
                inspected_at=dt.datetime(2026, 10, day, 3, tzinfo=dt.UTC),
            )
        )
    db_session.commit()
    facts = _facts(client, code)
    assert facts["lab_tests"][0]["result"] == "pass"
    validity = {c["scheme"]: c["is_valid_now"] for c in facts["certifications"]}
    assert validity == {"VietGAP": dt.date.today() <= dt.date(2026, 12, 31), "OCOP": False}
    assert facts["inspections"][0]["result"] == "compliant"  # newest first
    html = client.get(f"/c/{code.value}?lang=en").get_data(as_text=True)
    assert "Trung tâm Kiểm nghiệm Thái Nguyên" in html and "OCOP-2019" in html and "Compliant" in html
