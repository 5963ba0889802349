"""A business signs up, waits for verification, and invites colleagues."""

import re

from sqlalchemy import select

from traceability.accounts.models import Organization, OrgStatus, User

from ..conftest import page_without_form_tokens

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
    assert response.json["status"] == "pending" and response.json["tax_code"] == "4600112233"
    org = db_session.scalar(select(Organization).where(Organization.tax_code == "4600112233"))
    assert org.status == OrgStatus.PENDING
    assert [u.email for u in org.users] == ["ketoan@labang.example"]


def test_signup_answers_the_same_whether_or_not_the_tax_code_or_email_is_registered(
    client, make_org, make_user, db_session, caplog
):
    make_org(tax_code="4600112233")
    make_user(email="dung@example.org")
    db_session.commit()
    fresh = client.post("/api/v1/signup", json=_body(tax_code="4600998877"), headers=EN)
    taken_tax_code = client.post("/api/v1/signup", json=_body(), headers=EN)
    body = _body(tax_code="4600554433")
    body["user"]["email"] = "DUNG@example.org"
    taken_email = client.post("/api/v1/signup", json=body, headers=EN)
    assert taken_tax_code.status_code == taken_email.status_code == fresh.status_code == 201
    assert taken_tax_code.json == fresh.json | {"tax_code": "4600112233"}
    assert taken_email.json == fresh.json | {"tax_code": "4600554433"}
    # nothing was made for the taken ones; the attempts are in the log for the owners
    assert db_session.scalar(select(Organization).where(Organization.tax_code == "4600554433")) is None
    assert [u.email for u in db_session.scalars(select(User).where(User.email.like("%labang%")))] == [
        "ketoan@labang.example"
    ]
    assert sum("already registered" in r.getMessage() for r in caplog.records) == 2


def test_malformed_fields_are_still_named(client, db_session):
    malformed = client.post("/api/v1/signup", json=_body(tax_code="46001"), headers=EN)
    assert malformed.status_code == 422
    assert "10 digits" in malformed.json["errors"]["json"]["organization"]["tax_code"][0]
    body = _body()
    body["user"]["email"] = "not an address"
    assert "email" in client.post("/api/v1/signup", json=body, headers=EN).json["errors"]["json"]["user"]
    assert db_session.scalar(select(User).where(User.email == "ketoan@labang.example")) is None


def _form(body):
    form = {f"organization-{k}": v for k, v in body["organization"].items()}
    form.update({f"user-{k}": v for k, v in body["user"].items()})
    return form


def test_signup_page_registers_and_sends_the_business_to_sign_in(client, db_session):
    form = _form(_body())
    response = client.post("/signup", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    client.post("/login", data={"email": "ketoan@labang.example", "password": "mật khẩu dài"})
    home = client.get("/app/").get_data(as_text=True)
    assert "Hợp tác xã Chè La Bằng" in home and "chờ" in home  # awaiting verification, in Vietnamese
    form["organization-tax_code"] = "123"
    form["user-email"] = "khac@labang.example"
    again = client.post("/signup", data=form, headers=EN)
    assert again.status_code == 422 and 'id="e-organization-tax_code"' in again.get_data(as_text=True)


def test_signup_page_does_not_tell_a_registered_tax_code_from_a_new_one(client, make_org, db_session):
    make_org(tax_code="4600112233")
    db_session.commit()
    answers = []
    for tax_code, email in (("4600112233", "a@labang.example"), ("4600998877", "b@labang.example")):
        form = _form(_body(tax_code=tax_code))
        form["user-email"] = email
        response = client.post("/signup", data=form, headers=EN, follow_redirects=True)
        answers.append((response.status_code, page_without_form_tokens(response)))
    assert answers[0] == answers[1]
    assert "If either was registered already" in answers[0][1]


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


def _invite(client, name: str, email: str) -> str:
    page = client.post("/app/organization", data={"full_name": name, "email": email}, headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    link = re.search(r'value="(http[^"]+/join/[^"]+)"', html).group(1)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_colleague_is_invited_and_joins_with_their_own_password(client, make_user, login_as, db_session):
    producer = make_user()
    db_session.commit()
    login_as(producer)
    path = _invite(client, "Vũ Văn Nam", "nam@example.org")
    client.post("/logout")
    assert "Vũ Văn Nam" in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"password": "short"}).status_code == 422
    joined = client.post(path, data={"password": "một mật khẩu mới"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/login")
    colleague = db_session.scalar(select(User).where(User.email == "nam@example.org"))
    assert colleague.organization_id == producer.organization_id
    assert client.get(path).status_code == 404  # used once only
    assert client.post("/login", data={"email": "nam@example.org", "password": "một mật khẩu mới"}).status_code == 302


def test_an_invitation_does_not_tell_whether_the_address_is_registered(client, make_user, login_as, db_session, caplog):
    elsewhere = make_user(email="lan@example.org")
    producer = make_user()
    db_session.commit()
    login_as(producer)
    taken = client.post("/app/organization", data={"full_name": "Lan", "email": "lan@example.org"}, headers=EN)
    fresh = client.post("/app/organization", data={"full_name": "Lan", "email": "lan2@example.org"}, headers=EN)
    assert taken.status_code == fresh.status_code == 200

    def _strip(response):  # the link itself differs: it names the address
        return re.sub(r'value="http[^"]+"', "", page_without_form_tokens(response))

    assert _strip(taken) == _strip(fresh)
    path = _invite(client, "Lan", "lan@example.org")
    client.post("/logout")
    taken_join = client.post(path, data={"password": "một mật khẩu mới"})
    fresh_join = client.post(_invite_as(client, producer, "Lan", "lan3@example.org"), data={"password": "mật khẩu"})
    assert taken_join.status_code == fresh_join.status_code == 302
    assert taken_join.headers["Location"] == fresh_join.headers["Location"]
    lan = db_session.scalar(select(User).where(User.email == "lan@example.org"))
    assert lan.organization_id == elsewhere.organization_id  # the other account is untouched
    assert any("already registered" in r.getMessage() for r in caplog.records)


def _invite_as(client, producer, name, email):
    from ..conftest import login

    login(client, producer)
    path = _invite(client, name, email)
    client.post("/logout")
    return path
