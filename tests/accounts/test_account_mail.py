"""Account e-mails through a loopback SMTP server: sign-up confirmation, a registered address told, password reset."""

from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner
from sqlalchemy import select

from traceability.accounts.models import User, UserSession

from ..conftest import PASSWORD, login, page_without_form_tokens
from ..mailsink import body, subject
from .test_signup import EN, _body


def _link(message) -> str:
    found = re.search(r"https://registry\.example(/\S+)", body(message))
    assert found, body(message)
    return found[1]


def test_sign_up_mails_a_confirmation_link_in_the_language_of_the_page(client, db_session, mailbox):
    assert client.post("/api/v1/signup", json=_body(), headers=EN).status_code == 201
    (mail,) = mailbox.deliver()
    assert mail["To"] == "ketoan@labang.example" and subject(mail) == "Confirm your e-mail address"
    user = db_session.scalar(select(User).where(User.email == "ketoan@labang.example"))
    assert user.locale == "en" and user.email_confirmed_at is None
    assert client.get(_link(mail)).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).email_confirmed_at is not None
    assert client.get("/confirm/not-a-token").status_code == 404


def test_a_sign_up_with_a_registered_address_is_told_to_its_owner_only(client, make_user, db_session, mailbox):
    make_user(email="dung@example.org")
    db_session.commit()
    body_ = _body(tax_code="4600554433")
    body_["user"]["email"] = "dung@example.org"
    assert client.post("/api/v1/signup", json=body_).status_code == 201
    (mail,) = mailbox.deliver()
    assert mail["To"] == "dung@example.org"
    assert subject(mail) == "Có người thử đăng ký bằng thông tin của bạn"
    assert _link(mail) == "/password/forgot"


def test_password_reset_works_once_ends_every_sign_in_and_never_tells_who_is_registered(
    client, app, make_user, db_session, mailbox
):
    user = make_user(email="lan@example.org")
    db_session.commit()
    login(app.test_client(), user)  # a sign-in elsewhere, ended by the reset

    known = client.post("/password/forgot", data={"email": "LAN@example.org"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert page_without_form_tokens(known) == page_without_form_tokens(unknown)
    (mail,) = mailbox.deliver()
    assert mail["To"] == "lan@example.org" and subject(mail) == "Đặt mật khẩu mới"
    link = _link(mail)

    assert client.post(link, data={"password": "short"}).status_code == 422
    assert client.post(link, data={"password": "một mật khẩu mới"}).status_code == 302
    db_session.expire_all()
    live = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert live and all(s.revoked_at is not None for s in live)
    used = client.get(link, headers=EN)
    assert used.status_code == 404 and "already been used" in used.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": user.email, "password": "một mật khẩu mới"}).status_code == 302


def test_an_expired_reset_link_is_refused(client, app, make_user, db_session, monkeypatch):
    user = make_user()
    db_session.commit()
    from traceability.accounts import password

    two_hours_ago = int(time.time()) - 7200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
    with app.app_context():
        token = password.reset_token(user)
    monkeypatch.undo()
    response = client.get(f"/password/reset/{token}", headers=EN)
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)
