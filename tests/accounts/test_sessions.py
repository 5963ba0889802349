"""Sign-ins live on the server: signing out, or ending a sign-in from the account page, makes its cookies
worthless; remember-me lasts 30 days, SameSite, Secure in production."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from traceability.accounts.models import Role, User, UserSession
from traceability.config import load_config
from traceability.db import utcnow

from ..conftest import PASSWORD

EN = {"Accept-Language": "en"}


def _sign_in(app, user, remember: bool = False):
    client = app.test_client()
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "true"
    assert client.post("/login", data=data).status_code == 302
    return client


def _cookie_jar(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def _browser_with(app, cookies: dict[str, str]):
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_a_session_cookie_copied_before_sign_out_no_longer_opens_the_workspace(app, make_user, db_session):
    client = _sign_in(app, make_user())
    copied = _cookie_jar(client)
    assert _browser_with(app, copied).get("/app/").status_code == 200  # the copy works while signed in
    client.post("/logout")
    assert _browser_with(app, copied).get("/app/").status_code == 302  # sent to /login


def test_a_remember_me_cookie_copied_before_sign_out_no_longer_opens_the_workspace(app, make_user, db_session):
    client = _sign_in(app, make_user(), remember=True)
    remember = {"remember_token": client.get_cookie("remember_token").value}
    assert _browser_with(app, remember).get("/app/").status_code == 200  # remembered without a session cookie
    client.post("/logout")
    assert _browser_with(app, remember).get("/app/").status_code == 302


def test_remember_me_lasts_30_days_same_site_and_http_only(app, make_user):
    client = app.test_client()
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "true"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    expires = client.get_cookie("remember_token").expires
    assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)


def test_cookies_are_secure_in_production(production_env):
    production_env.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_DURATION"] == dt.timedelta(days=30)


def test_a_sign_in_without_remember_me_ends_on_the_server_after_its_hours(app, make_user, db_session):
    user = make_user()
    client = _sign_in(app, user)
    row = db_session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert dt.timedelta(hours=11) < row.expires_at - utcnow() <= dt.timedelta(hours=12)
    assert not row.remember
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.commit()
    assert client.get("/app/").status_code == 302


def test_the_account_page_lists_sign_ins_and_ends_another_one(app, make_user, db_session):
    user = make_user(Role.INSPECTOR)
    phone = _sign_in(app, user, remember=True)
    laptop = _sign_in(app, user)
    page = laptop.get("/account", headers=EN).get_data(as_text=True)
    assert "Where you are signed in" in page and page.count("/revoke") == 2 and "this browser" in page
    phone_row = db_session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).first()
    response = laptop.post(f"/account/sessions/{phone_row.id}/revoke", headers=EN, follow_redirects=True)
    assert "That sign-in has ended." in response.get_data(as_text=True)
    assert phone.get("/inspect/").status_code == 302  # the phone is signed out, remember-me or not
    phone.delete_cookie("session")
    assert phone.get("/inspect/").status_code == 302
    assert laptop.get("/inspect/").status_code == 200
    assert laptop.get("/account").get_data(as_text=True).count("/revoke") == 1


def test_ending_this_browsers_sign_in_signs_out(app, make_user, db_session):
    client = _sign_in(app, make_user(Role.ADMIN))
    own = db_session.scalar(select(UserSession.id).order_by(UserSession.id.desc()))
    response = client.post(f"/account/sessions/{own}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 302


def test_another_users_sign_in_cannot_be_ended(app, make_user, db_session):
    victim = make_user()
    victim_browser = _sign_in(app, victim)
    theirs = db_session.scalar(select(UserSession.id).where(UserSession.user_id == victim.id))
    attacker = _sign_in(app, make_user())
    assert attacker.post(f"/account/sessions/{theirs}/revoke").status_code == 404
    assert victim_browser.get("/app/").status_code == 200


def test_a_disabled_account_is_signed_out_everywhere(app, make_user, db_session):
    user = make_user()
    client = _sign_in(app, user, remember=True)
    db_session.execute(update(User).where(User.id == user.id).values(is_active=False))
    db_session.commit()
    assert client.get("/app/").status_code == 302


def test_the_account_page_speaks_vietnamese(app, make_user):
    client = _sign_in(app, make_user())
    page = client.get("/account").get_data(as_text=True)
    assert "Nơi bạn đang đăng nhập" in page and "Mã API" in page and "Tài khoản" in page
    assert "Where you are signed in" not in page


def test_disabling_an_account_ends_its_sign_ins_for_good(app, client, make_user, login_as, db_session):
    user = make_user()
    browser = _sign_in(app, user, remember=True)
    login_as(make_user(Role.ADMIN))
    client.post(f"/admin/users/{user.id}/active", data={"active": "false"})
    client.post(f"/admin/users/{user.id}/active", data={"active": "true"})
    assert browser.get("/app/").status_code == 302  # enabled again, but the old sign-in stays ended
    assert _sign_in(app, user).get("/app/").status_code == 200
