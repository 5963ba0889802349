"""The registry API: each organisation sees and changes only its own rows."""

from traceability.accounts.models import Role


def test_lists_show_only_the_callers_rows_and_inspectors_see_all(api_as, make_user, make_site, db_session):
    mine, theirs = make_user(), make_user()
    make_site(mine.organization, name="Đồi của tôi")
    make_site(theirs.organization, name="Đồi của họ")
    api, inspector = api_as(mine), api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    assert [s["name"] for s in api.get("/api/v1/sites").json] == ["Đồi của tôi"]
    assert {s["name"] for s in inspector.get("/api/v1/sites").json} >= {"Đồi của tôi", "Đồi của họ"}
    assert inspector.post("/api/v1/sites", json={}).status_code == 403


def test_sites_are_created_and_patched(api_as, make_user, db_session):
    api = api_as(make_user())
    db_session.commit()
    body = {"kind": "farm", "name": "Trại gà Đồng Hỷ", "province": "Thái Nguyên", "commune": "Đồng Hỷ"}
    created = api.post("/api/v1/sites", json=body)
    assert created.status_code == 201
    patched = api.patch(f"/api/v1/sites/{created.json['id']}", json={"area_ha": "0.75"})
    assert patched.status_code == 200 and patched.json["area_ha"] == 0.75 and patched.json["name"] == "Trại gà Đồng Hỷ"
    only_latitude = api.patch(f"/api/v1/sites/{created.json['id']}", json={"latitude": "21.6"})
    assert only_latitude.status_code == 422 and "longitude" in only_latitude.json["errors"]["json"]


def test_a_certificate_cannot_name_another_organisations_site(api_as, make_user, make_site, db_session):
    user = make_user()
    foreign = make_site()
    api = api_as(user)
    db_session.commit()
    body = {"scheme": "VietGAP", "number": "VG-9", "issuer": "QUACERT", "valid_from": "2026-01-01"}
    response = api.post("/api/v1/certifications", json={**body, "site_id": foreign.id})
    assert response.status_code == 422 and "site_id" in response.json["errors"]["json"]
    assert api.post("/api/v1/certifications", json={**body, "valid_to": "2025-12-31"}).status_code == 422
    assert api.post("/api/v1/certifications", json=body).status_code == 201
    assert api.post("/api/v1/certifications", json=body).status_code == 422  # the same certificate twice
