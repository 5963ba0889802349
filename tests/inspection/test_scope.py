"""An inspector's jurisdiction: suspensions and recalls outside the agency's communes and product categories are
refused (page, API, the field sync's held actions), naming the scope; provincial inspectors act everywhere; every
action records the agency it was taken for."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import Role
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import lot_code_for
from traceability.inspection import scope
from traceability.inspection.models import Inspection
from traceability.public.models import ConsumerReport
from traceability.reference.models import Agency, AgencyKind, Commune, ProductCategory

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
TAN_CUONG, DUC_XUAN = "05503", "01840"


@pytest.fixture
def tan_cuong_agency(db_session):
    agency = Agency(
        name="UBND xã Tân Cương",
        kind=AgencyKind.COMMUNE,
        communes=[db_session.scalar(select(Commune).where(Commune.code == TAN_CUONG))],
    )
    db_session.add(agency)
    db_session.flush()
    return agency


def inspector_of(make_user, agency, db_session):
    user = make_user(Role.INSPECTOR)
    user.agency_id = agency.id
    db_session.flush()
    return user


@pytest.fixture
def local(make_user, tan_cuong_agency, db_session):
    return inspector_of(make_user, tan_cuong_agency, db_session)


@pytest.fixture
def batches(make_org, make_site, make_batch, db_session):
    """A tea batch grown in Tân Cương (the site's commune) and one of an organisation in Đức Xuân."""
    here_org = make_org(name="HTX Chè Tân Cương")
    here = make_batch(here_org, status=BatchStatus.PUBLISHED, lot_code="TC-1",
                      site=make_site(here_org, commune_code=TAN_CUONG))  # fmt: skip
    away_org = make_org(name="HTX Đức Xuân", commune_code=DUC_XUAN)
    away = make_batch(away_org, status=BatchStatus.PUBLISHED, lot_code="DX-1", site=make_site(away_org))
    db_session.commit()
    return here, away


def status_of(batch_id: int) -> BatchStatus:
    db.session.remove()
    return db.session.scalar(select(Batch.status).where(Batch.id == batch_id))


def test_in_scope_and_the_sql_filter_agree(db_session, local, inspector, batches, make_user):
    here, away = batches
    assert scope.in_scope(db_session, local, here) and not scope.in_scope(db_session, local, away)
    kept = db_session.scalars(select(Batch.lot_code).where(Batch.id.in_([here.id, away.id]), scope.scope_filter(
        db_session, local)))  # fmt: skip
    assert list(kept) == ["TC-1"]
    everything = select(Batch.lot_code).where(
        Batch.id.in_([here.id, away.id]), scope.scope_filter(db_session, inspector)
    )
    assert sorted(db_session.scalars(everything)) == ["DX-1", "TC-1"]  # provincial: no agency
    # an agency covering fruit only: the tea batch of its commune is outside
    fruit_category = db_session.scalar(select(ProductCategory).where(ProductCategory.code == "fruit"))
    fruit = Agency(name="Chi cục cây ăn quả", kind=AgencyKind.AGRICULTURE_ENVIRONMENT, categories=[fruit_category])
    db_session.add(fruit)
    db_session.flush()
    fruit_inspector = inspector_of(make_user, fruit, db_session)
    assert not scope.in_scope(db_session, fruit_inspector, here)
    assert list(db_session.scalars(select(Batch.id).where(Batch.id == here.id, scope.scope_filter(
        db_session, fruit_inspector)))) == []  # fmt: skip


def test_the_page_refuses_a_suspension_outside_the_scope_naming_it(client, login_as, local, batches, db_session):
    here, away = batches
    login_as(local)
    refused = client.post(f"/inspect/batches/{away.id}/status", data={"action": "suspend", "reason": "Khiếu nại"},
                          headers=VI)  # fmt: skip
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "ngoài phạm vi" in page and "UBND xã Tân Cương" in page and "Xã Tân Cương" in page
    assert status_of(away.id) == BatchStatus.PUBLISHED
    # reading stays open
    assert client.get(f"/inspect/batches/{away.id}").status_code == 200
    done = client.post(f"/inspect/batches/{here.id}/status", data={"action": "suspend", "reason": "Khiếu nại"})
    assert done.status_code == 302
    assert status_of(here.id) == BatchStatus.SUSPENDED
    assert db.session.get(Batch, here.id).status_agency_id == local.agency_id


def test_the_api_refuses_a_recall_outside_the_scope(api_as, local, inspector, batches):
    _here, away = batches
    api = api_as(local)
    refused = api.post(f"/api/v1/batches/{away.id}/recall", json={"reason": "Hàng giả"}, headers=EN)
    assert refused.status_code == 422
    message = " ".join(refused.json["errors"]["json"]["action"])
    assert "outside your agency's scope" in message and "UBND xã Tân Cương" in message
    assert status_of(away.id) == BatchStatus.PUBLISHED
    # an inspection asking for a recall there is refused whole: nothing recorded
    body = {"batch_id": away.id, "result": "violation", "action": "recall", "reason": "Hàng giả"}
    assert api.post("/api/v1/inspections", json=body, headers=EN).status_code == 422
    assert db.session.scalar(select(Inspection.id).where(Inspection.batch_id == away.id)) is None
    # the provincial inspector acts anywhere; the action records no agency
    provincial = api_as(inspector).post(f"/api/v1/batches/{away.id}/suspend", json={"reason": "Kiểm tra"}, headers=EN)
    assert provincial.status_code == 200, provincial.json
    assert status_of(away.id) == BatchStatus.SUSPENDED


def test_an_inspection_records_the_agency_it_was_made_for(api_as, local, batches):
    here, _away = batches
    body = {"batch_id": here.id, "result": "violation", "action": "suspend", "reason": "Dư lượng"}
    response = api_as(local).post("/api/v1/inspections", json=body, headers=EN)
    assert response.status_code == 201, response.json
    db.session.remove()
    inspection = db.session.scalar(select(Inspection).where(Inspection.batch_id == here.id))
    assert inspection.agency_id == local.agency_id
    assert status_of(here.id) == BatchStatus.SUSPENDED


def test_a_suspension_sent_from_the_field_outside_the_scope_is_held_and_applying_it_is_refused(api_as, local, batches):
    _here, away = batches
    api = api_as(local)
    body = {"client_key": str(uuid.uuid4()), "batch_id": away.id, "result": "violation", "action": "suspend",
            "reason": "Dư lượng"}  # fmt: skip
    answer = api.post("/api/v1/inspections", json=body, headers=EN)
    assert answer.status_code == 201, answer.json
    assert answer.json["held_action"] == "suspend" and answer.json["action"] == "none"
    assert any("UBND xã Tân Cương" in line for line in answer.json["conflict"])
    assert status_of(away.id) == BatchStatus.PUBLISHED
    applied = api.post(f"/api/v1/inspections/{answer.json['id']}/held-action", json={"decision": "apply"}, headers=EN)
    assert applied.status_code == 422
    assert status_of(away.id) == BatchStatus.PUBLISHED


def _report(client, batch, db_session, message):
    code = lot_code_for(db_session, batch)
    db_session.commit()
    response = client.post(f"/c/{code.value}/report", json={"kind": "quality", "message": message})
    assert response.status_code == 201, response.get_json()
    db.session.remove()
    return db.session.scalar(select(ConsumerReport).where(ConsumerReport.message == message))


def test_reports_are_routed_to_the_agency_covering_the_batch_and_the_queue_shows_its_own(
    client, login_as, local, inspector, tan_cuong_agency, batches, make_org, make_product, make_batch, db_session
):
    here, away = batches
    tea = db_session.scalar(select(ProductCategory).where(ProductCategory.code == "tea"))
    agriculture = Agency(name="Sở Nông nghiệp và Môi trường", kind=AgencyKind.AGRICULTURE_ENVIRONMENT, categories=[tea])
    db_session.add(agriculture)
    org = make_org(name="Công ty Mật ong", commune_code=DUC_XUAN)
    honey = make_batch(
        org, status=BatchStatus.PUBLISHED, lot_code="MO-1", product=make_product(org, category_code="honey")
    )
    db_session.commit()
    agency_ids = (tan_cuong_agency.id, agriculture.id)

    # the agency naming the commune comes first; the province's tea elsewhere goes to the department
    assert _report(client, here, db_session, "Chè Tân Cương bị mốc").agency_id == agency_ids[0]
    assert _report(client, away, db_session, "Chè Đức Xuân bị mốc").agency_id == agency_ids[1]
    # honey in Đức Xuân: no agency covers it, the provincial queue
    assert _report(client, honey, db_session, "Mật ong lạ").agency_id is None

    login_as(local)
    own = client.get("/inspect/queue", headers=VI).get_data(as_text=True)
    assert "Chè Tân Cương bị mốc" in own and "Chè Đức Xuân bị mốc" not in own and "Mật ong lạ" not in own
    assert "Đang xem phản ánh và lô hàng thuộc cơ quan của bạn." in own
    whole = client.get("/inspect/queue?whole=1", headers=VI).get_data(as_text=True)
    assert all(m in whole for m in ("Chè Tân Cương bị mốc", "Chè Đức Xuân bị mốc", "Mật ong lạ"))

    client.post("/logout")
    login_as(inspector)
    page = client.get("/inspect/queue", headers=VI).get_data(as_text=True)
    assert all(m in page for m in ("Chè Tân Cương bị mốc", "Chè Đức Xuân bị mốc", "Mật ong lạ"))
    assert "Xem toàn tỉnh" not in page  # nothing to switch: provincial inspectors see everything


def test_an_inactive_agency_is_sent_no_new_report(client, tan_cuong_agency, batches, db_session):
    here, _away = batches
    first = _report(client, here, db_session, "Chè Tân Cương bị mốc")
    agency_id = tan_cuong_agency.id
    assert first.agency_id == agency_id
    db.session.get(Agency, agency_id).is_active = False
    db.session.commit()
    later = _report(client, here, db_session, "Chè Tân Cương lại bị mốc")
    assert later.agency_id is None  # the provincial queue
    assert db.session.get(ConsumerReport, first.id).agency_id == agency_id  # its past report stays its own
