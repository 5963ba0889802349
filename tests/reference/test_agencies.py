"""Agencies kept by the admin: the communes and product categories each covers, and the agency each inspector
works for (none: a provincial inspector)."""

from __future__ import annotations

from sqlalchemy import select

from traceability.accounts.models import User
from traceability.reference.models import Agency, AgencyKind, Commune, ProductCategory

VI = {"Accept-Language": "vi"}
KIND = AgencyKind.COMMUNE.value


def _ids(db_session, model, *codes):
    return [str(db_session.scalar(select(model.id).where(model.code == code))) for code in codes]


def test_an_admin_adds_an_agency_with_its_communes_and_categories_and_edits_it(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    tan_cuong = _ids(db_session, Commune, "05503")
    tea, vegetables = _ids(db_session, ProductCategory, "tea", "vegetable")
    form = client.get("/admin/agencies/new", headers=VI).get_data(as_text=True)
    assert "Thêm cơ quan" in form and "Xã Tân Cương" in form
    # one commune chosen arrives as a single value, two categories as a list
    response = client.post(
        "/admin/agencies/new",
        data={"name": "UBND xã Tân Cương", "kind": KIND, "commune_ids": tan_cuong, "category_ids": [tea, vegetables]},
    )
    assert response.status_code == 302
    agency = db_session.scalar(select(Agency).where(Agency.name == "UBND xã Tân Cương"))
    assert agency.kind == AgencyKind.COMMUNE
    assert [c.code for c in agency.communes] == ["05503"]
    assert sorted(c.code for c in agency.categories) == ["tea", "vegetable"]
    listing = client.get("/admin/agencies", headers=VI).get_data(as_text=True)
    assert "UBND xã Tân Cương" in listing and "Ủy ban nhân dân xã, phường" in listing

    # nothing chosen: every commune; the page says so
    edited = client.post(
        f"/admin/agencies/{agency.id}", data={"name": "UBND xã Tân Cương", "kind": KIND, "category_ids": tea}
    )
    assert edited.status_code == 302
    db_session.expire_all()
    agency = db_session.get(Agency, agency.id)
    assert agency.communes == [] and [c.code for c in agency.categories] == ["tea"]
    assert "tất cả xã, phường" in client.get("/admin/agencies", headers=VI).get_data(as_text=True)


def test_a_bad_agency_is_refused_naming_the_field_and_nothing_is_saved(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    db_session.add(Agency(name="Sở Nông nghiệp và Môi trường", kind=AgencyKind.AGRICULTURE_ENVIRONMENT))
    db_session.commit()
    clash = client.post("/admin/agencies/new", data={"name": "Sở Nông nghiệp và Môi trường", "kind": KIND}, headers=VI)
    assert clash.status_code == 422
    assert "Đã có cơ quan mang tên này." in clash.get_data(as_text=True)
    bad_kind = client.post("/admin/agencies/new", data={"name": "Chi cục", "kind": "police"})
    assert bad_kind.status_code == 422
    bad_commune = client.post("/admin/agencies/new", data={"name": "Chi cục", "kind": KIND, "commune_ids": "x"})
    assert bad_commune.status_code == 422
    assert db_session.scalar(select(Agency.id).where(Agency.name == "Chi cục")) is None


def test_an_admin_sets_an_inspectors_agency_and_can_make_them_provincial(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    inspector = make_user("inspector")
    producer = make_user()
    agency = Agency(name="Sở Nông nghiệp và Môi trường", kind=AgencyKind.AGRICULTURE_ENVIRONMENT)
    db_session.add(agency)
    db_session.commit()
    page = client.get("/admin/users", headers=VI).get_data(as_text=True)
    assert "Sở Nông nghiệp và Môi trường" in page and "Cấp tỉnh" in page
    assert client.post(f"/admin/users/{inspector.id}/agency", data={"agency_id": str(agency.id)}).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, inspector.id).agency_id == agency.id
    client.post(f"/admin/users/{inspector.id}/agency", data={"agency_id": ""})
    db_session.expire_all()
    assert db_session.get(User, inspector.id).agency_id is None
    # a producer has no agency; an unknown agency is not found
    refused = client.post(
        f"/admin/users/{producer.id}/agency", data={"agency_id": str(agency.id)}, headers=VI, follow_redirects=True
    )
    assert "Chỉ cán bộ kiểm tra mới thuộc một cơ quan." in refused.get_data(as_text=True)
    assert client.post(f"/admin/users/{inspector.id}/agency", data={"agency_id": "999999"}).status_code == 404
    db_session.expire_all()
    assert db_session.get(User, producer.id).agency_id is None


def test_a_commune_not_on_the_list_is_refused(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    response = client.post(
        "/admin/agencies/new", data={"name": "Chi cục", "kind": KIND, "commune_ids": "999999"}, headers=VI
    )
    assert response.status_code == 422
    assert "Hãy chọn xã, phường trong danh sách." in response.get_data(as_text=True)
    assert db_session.scalar(select(Agency.id).where(Agency.name == "Chi cục")) is None
