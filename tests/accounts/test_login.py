from traceability.accounts.models import Role
from traceability.extensions import limiter

from ..conftest import PASSWORD


def test_producer_signs_in_and_reaches_the_workspace(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/app/")
    page = client.get("/app/").get_data(as_text=True)
    assert user.organization.name in page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 422
    assert "Sai địa chỉ e-mail hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/app/").status_code == 302  # still signed out


def test_missing_fields_are_named(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""}, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-email"' in page and 'id="e-password"' in page
    assert "This field is required." in page


def test_login_redirects_only_to_this_site(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/app/")
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/app/?x=1"})
    assert response.headers["Location"].endswith("/app/?x=1")


def test_disabled_user_cannot_sign_in(client, make_user, db_session):
    user = make_user(Role.INSPECTOR)
    user.is_active = False
    db_session.flush()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_login_attempts_are_rate_limited(app, client, make_user):
    user = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    limiter.reset()
    try:
        statuses = [
            client.post("/login", data={"email": user.email, "password": "nope"}).status_code for _ in range(12)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429, 429]


def test_logout_ends_the_session(client, make_user, login_as):
    login_as(make_user())
    client.post("/logout")
    assert client.get("/app/").status_code == 302


def test_csrf_token_is_required_on_forms(app, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def test_a_backslash_path_cannot_send_the_user_to_another_site(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/\\evil.example"})
    assert response.headers["Location"].endswith("/app/")
