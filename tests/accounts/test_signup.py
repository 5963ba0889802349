"""A business signs up, waits for verification, and invites colleagues."""

import re

from sqlalchemy import select

from traceability.accounts.models import Organization, OrgStatus, User

EN = {"Accept-Language": "en"}


def _body(**org):
    organization = {
        "name": "Hợp tác xã Chè La Bằng",
        "tax_code": "4600112233",
        "kind": "cooperative",
        "province": "Thái Nguyên",
        "commune": "La Bằng",
        "address": "Xóm Lưu Quang",
        "phone": "0912 000 111",
    }
    organization.update(org)
    return {
        "organization": organization,
        "user": {"email": "ketoan@labang.example", "password": "mật khẩu dài", "full_name": "Đỗ Thị Lan"},
    }


def test_signup_creates_a_pending_organisation_and_its_first_user(client, db_session):
    response = client.post("/api/v1/signup", json=_body())
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    org = db_session.get(Organization, response.json["id"])
    assert [u.email for u in org.users] == ["ketoan@labang.example"]


def test_duplicate_tax_codes_and_bad_ones_are_refused(client, make_org, db_session):
    make_org(tax_code="4600112233")
    db_session.commit()
    duplicate = client.post("/api/v1/signup", json=_body(), headers=EN)
    assert duplicate.status_code == 422
    assert "tax code is already registered" in duplicate.json["errors"]["json"]["organization"]["tax_code"][0]
    malformed = client.post("/api/v1/signup", json=_body(tax_code="46001"), headers=EN)
    assert "10 digits" in malformed.json["errors"]["json"]["organization"]["tax_code"][0]
    assert db_session.scalar(select(User).where(User.email == "ketoan@labang.example")) is None


def test_signup_page_registers_and_shows_the_waiting_notice(client, db_session):
    body = _body()
    form = {f"organization-{k}": v for k, v in body["organization"].items()}
    form.update({f"user-{k}": v for k, v in body["user"].items()})
    response = client.post("/signup", data=form)
    assert response.status_code == 302
    home = client.get("/app/").get_data(as_text=True)
    assert "Hợp tác xã Chè La Bằng" in home and "chờ" in home  # awaiting verification, in Vietnamese
    form["organization-tax_code"] = "123"
    form["user-email"] = "khac@labang.example"
    again = client.post("/signup", data=form, headers=EN)
    assert again.status_code == 422 and 'id="e-organization-tax_code"' in again.get_data(as_text=True)


def test_admin_rejects_with_a_reason_the_producer_sees(client, make_org, make_user, login_as, db_session):
    org = make_org(status=OrgStatus.PENDING)
    producer = make_user(org=org)
    admin = make_user("admin")
    db_session.commit()
    login_as(admin)
    assert client.post(f"/admin/organizations/{org.id}", data={"reject": "true"}).status_code == 422
    client.post(f"/admin/organizations/{org.id}", data={"reject": "true", "reason": "Mã số thuế không khớp"})
    client.post("/logout")
    login_as(producer)
    assert "Mã số thuế không khớp" in client.get("/app/").get_data(as_text=True)


def test_a_colleague_is_invited_and_joins_with_their_own_password(client, make_user, login_as, db_session):
    producer = make_user()
    db_session.commit()
    login_as(producer)
    page = client.post("/app/organization", data={"full_name": "Vũ Văn Nam", "email": "nam@example.org"}).get_data(
        as_text=True
    )
    link = re.search(r'value="(http[^"]+/join/[^"]+)"', page).group(1)
    client.post("/logout")
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path, data={"password": "short"}).status_code == 422
    assert client.post("/" + path, data={"password": "một mật khẩu mới"}).status_code == 302
    colleague = db_session.scalar(select(User).where(User.email == "nam@example.org"))
    assert colleague.organization_id == producer.organization_id
    client.post("/logout")
    assert client.get("/" + path).status_code == 404  # used once only
    assert client.post("/login", data={"email": "nam@example.org", "password": "một mật khẩu mới"}).status_code == 302
