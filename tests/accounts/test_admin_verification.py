from traceability.accounts.models import Organization, OrgStatus


def _status(db_session, org_id):
    org = db_session.get(Organization, org_id)
    return org.status, org.status_reason


def test_admin_sees_the_pending_queue_and_verifies(client, make_org, make_user, login_as, db_session):
    org = make_org(status=OrgStatus.PENDING, name="HTX Chè Mới")
    login_as(make_user("admin"))
    assert "HTX Chè Mới" in client.get("/admin/").get_data(as_text=True)
    response = client.post(f"/admin/organizations/{org.id}", data={})
    assert response.status_code == 302
    assert _status(db_session, org.id)[0] == OrgStatus.VERIFIED
    assert "HTX Chè Mới" not in client.get("/admin/").get_data(as_text=True)


def test_rejecting_needs_a_reason(client, make_org, make_user, login_as, db_session):
    org_id = make_org(status=OrgStatus.PENDING).id
    login_as(make_user("admin"))
    response = client.post(f"/admin/organizations/{org_id}", data={"reject": "true"})
    assert response.status_code == 422 and 'id="e-reason"' in response.get_data(as_text=True)
    assert _status(db_session, org_id)[0] == OrgStatus.PENDING
    client.post(f"/admin/organizations/{org_id}", data={"reject": "true", "reason": "Mã số thuế không khớp"})
    assert _status(db_session, org_id) == (OrgStatus.REJECTED, "Mã số thuế không khớp")


def test_admin_verifies_through_the_api(make_org, make_user, api_as, db_session):
    org = make_org(status=OrgStatus.PENDING)
    api = api_as(make_user("admin"))
    response = api.post(f"/api/v1/organizations/{org.id}/verify", json={"suspend": True})
    assert response.status_code == 422 and "reason" in response.json["errors"]["json"]
    response = api.post(f"/api/v1/organizations/{org.id}/verify", json={})
    assert response.status_code == 200 and response.json["status"] == "verified"
    assert api.post("/api/v1/organizations/999999/verify", json={}).status_code == 404
