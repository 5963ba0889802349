"""API tokens expire, can be listed and revoked (API and account page), and are refused once ended."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from traceability.accounts.models import ApiToken, Role
from traceability.cli import main
from traceability.db import utcnow

from ..conftest import PASSWORD, login

EN = {"Accept-Language": "en"}


def _new_token(client, user, **extra):
    return client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, **extra}, headers=EN)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **EN}


def _days_left(answer) -> float:
    return (dt.datetime.fromisoformat(answer.json["expires_at"]) - dt.datetime.now(dt.UTC)) / dt.timedelta(days=1)


def test_a_token_expires_after_90_days_unless_told_otherwise(client, make_user):
    user = make_user()
    default = _new_token(client, user)
    assert default.status_code == 201 and default.json["token"].startswith("tr_")
    assert 89.9 < _days_left(default) <= 90
    short = _new_token(client, user, days=7, name="ERP")
    assert 6.9 < _days_left(short) <= 7 and short.json["name"] == "ERP"
    for days in (0, 366):
        refused = _new_token(client, user, days=days)
        assert refused.status_code == 422 and "days" in refused.json["errors"]["json"]


def test_an_expired_token_is_refused_with_401_json(client, make_user, db_session):
    user = make_user()
    token = _new_token(client, user).json["token"]
    assert client.get("/api/v1/organizations/me", headers=_bearer(token)).status_code == 200
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.commit()
    answer = client.get("/api/v1/organizations/me", headers=_bearer(token))
    assert answer.status_code == 401 and answer.json["code"] == 401 and "Bearer" in answer.json["message"]


def test_tokens_are_listed_and_revoked_through_the_api(client, make_user):
    user = make_user()
    first = _new_token(client, user, name="ERP").json
    second = _new_token(client, user, name="scanner").json
    listed = client.get("/api/v1/auth/tokens", headers=_bearer(second["token"]))
    assert listed.status_code == 200
    assert [(t["name"], t["current"]) for t in listed.json] == [("scanner", True), ("ERP", False)]
    assert "token" not in listed.json[0]  # shown once only, at creation
    gone = client.delete(f"/api/v1/auth/tokens/{first['id']}", headers=_bearer(second["token"]))
    assert gone.status_code == 204
    refused = client.get("/api/v1/organizations/me", headers=_bearer(first["token"]))
    assert refused.status_code == 401 and refused.is_json
    assert [t["name"] for t in client.get("/api/v1/auth/tokens", headers=_bearer(second["token"])).json] == ["scanner"]


def test_another_users_token_cannot_be_revoked(client, make_user):
    victim = _new_token(client, make_user()).json
    attacker = _new_token(client, make_user()).json
    answer = client.delete(f"/api/v1/auth/tokens/{victim['id']}", headers=_bearer(attacker["token"]))
    assert answer.status_code == 404
    assert client.get("/api/v1/organizations/me", headers=_bearer(victim["token"])).status_code == 200


def test_a_write_call_marks_when_the_token_was_last_used(client, make_user, db_session):
    user = make_user()
    token = _new_token(client, user).json["token"]
    client.get("/api/v1/organizations/me", headers=_bearer(token))
    assert db_session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)) is None
    client.post(
        "/api/v1/sites",
        json={"kind": "growing_area", "name": "Đồi chè", "province": "Thái Nguyên", "commune": "Tân Cương"},
        headers=_bearer(token),
    )
    used = db_session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))
    assert used is not None and utcnow() - used < dt.timedelta(minutes=1)


def test_the_account_page_shows_tokens_and_revokes_one(app, client, make_user, db_session):
    user = make_user(Role.INSPECTOR)
    token = _new_token(client, user, name="máy quét").json["token"]
    login(client, user)
    page = client.get("/account", headers=EN).get_data(as_text=True)
    assert "API tokens" in page and "máy quét" in page
    token_id = db_session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    response = client.post(f"/account/tokens/{token_id}/revoke", headers=EN, follow_redirects=True)
    assert "is revoked" in response.get_data(as_text=True)
    after = client.get("/account", headers=EN).get_data(as_text=True)
    assert "máy quét" not in after and "You have no API tokens." in after
    assert app.test_client().get("/api/v1/reports", headers=_bearer(token)).status_code == 401


def test_the_command_line_makes_a_token_with_its_own_expiry(app, make_user, db_session):
    user = make_user()
    result = app.test_cli_runner().invoke(main, ["tokens", "create", "--email", user.email, "--days", "3"])
    assert result.exit_code == 0, result.output
    expires = db_session.scalar(select(ApiToken.expires_at).where(ApiToken.user_id == user.id))
    assert dt.timedelta(days=2.9) < expires - utcnow() <= dt.timedelta(days=3)
    refused = app.test_cli_runner().invoke(main, ["tokens", "create", "--email", user.email, "--days", "0"])
    assert refused.exit_code != 0 and "--days" in refused.output
