"""Sending the confirmation e-mail again: only to an address signed up and not yet confirmed, with the same answer
for any address, and limited so that it cannot flood a mailbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from traceability.accounts.models import User
from traceability.db import utcnow
from traceability.extensions import limiter

from ..conftest import page_without_form_tokens
from ..mailsink import body, subject
from .test_signup import EN, _body


@pytest.fixture(autouse=True)
def fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def test_an_unconfirmed_address_gets_a_new_link_and_every_address_the_same_answer(
    client, db_session, make_user, mailbox
):
    assert client.post("/api/v1/signup", json=_body(), headers=EN).status_code == 201
    mailbox.deliver()
    mailbox.clear()
    make_user(email="confirmed@example.org").email_confirmed_at = utcnow()
    db_session.commit()
    assert 'id="resend-link"' in client.get("/login").get_data(as_text=True)

    answers = [
        page_without_form_tokens(client.post("/confirm/resend", data={"email": address}, follow_redirects=True))
        for address in ("KETOAN@labang.example", "nobody@example.org", "confirmed@example.org")
    ]
    assert answers[0] == answers[1] == answers[2]
    (mail,) = mailbox.deliver()
    assert mail["To"] == "ketoan@labang.example" and subject(mail) == "Confirm your e-mail address"
    link = re.search(r"https://registry\.example(/confirm/\S+)", body(mail))[1]
    assert client.get(link).status_code == 302
    user = db_session.scalar(select(User).where(User.email == "ketoan@labang.example"))
    db_session.refresh(user)
    assert user.email_confirmed_at is not None

    api = [client.post("/api/v1/signup/confirmation", json={"email": a}) for a in ("nobody@example.org", "x@y.org")]
    assert [a.status_code for a in api] == [202, 202] and api[0].json == api[1].json
    assert client.post("/api/v1/signup/confirmation", json={"email": "not an address"}).status_code == 422


def test_resending_is_limited_by_client_and_by_address(client, app, db_session, mailbox):
    for _ in range(5):
        assert client.post("/api/v1/signup/confirmation", json={"email": "a@example.org"}).status_code == 202
    assert client.post("/api/v1/signup/confirmation", json={"email": "b@example.org"}).status_code == 429
    # from other clients, the same address is still limited
    other = app.test_client()
    assert (
        other.post(
            "/api/v1/signup/confirmation", json={"email": "A@example.org"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        ).status_code
        == 429
    )
    assert (
        other.post(
            "/api/v1/signup/confirmation", json={"email": "c@example.org"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        ).status_code
        == 202
    )
