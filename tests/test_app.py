"""Configuration, languages, and the API's error format."""

import pytest

from traceability.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_secret(production_env):
    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()


def test_development_keeps_a_generated_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    assert len(first) > 40 and load_config()["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_vietnamese_by_default_english_on_request(client):
    assert "Kiểm tra nguồn gốc sản phẩm" in client.get("/").get_data(as_text=True)
    page = client.get("/?lang=en")
    assert "Check where a product comes from" in page.get_data(as_text=True)
    assert "Check where a product comes from" in client.get("/").get_data(as_text=True)  # kept in a cookie
    other = client.application.test_client()
    assert "Check where" in other.get("/", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)


def test_openapi_document_and_its_ui_are_served_locally(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/auth/tokens" in spec.json["paths"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "//" not in docs.split("swagger-ui-bundle.js")[0].split("src=")[-1].replace("http", "")
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/no-such-thing", {}, 404),
        ("get", "/api/v1/organizations/me", {}, 401),
        ("delete", "/api/v1/auth/tokens", {}, 405),
        ("post", "/api/v1/auth/tokens", {"data": "not json", "content_type": "application/json"}, 400),
    ],
)
def test_api_errors_are_json_never_html(client, method, path, kwargs, status):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.json["code"] == status and response.json["status"]


def test_api_names_each_bad_field(client):
    response = client.post("/api/v1/auth/tokens", json={"email": "not-an-email", "extra": 1})
    assert response.status_code == 422
    fields = response.json["errors"]["json"]
    assert set(fields) == {"email", "password", "extra"}


def test_a_wrong_password_on_the_api_is_401(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "wrong password"})
    assert response.status_code == 401 and response.json["message"]


def test_an_unexpected_error_shows_no_stack_trace(app, client, monkeypatch):
    from traceability.public import views

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "public.home", views.public(broken))
    app.testing, propagate = False, app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/")
    finally:
        app.testing = True
        app.config["PROPAGATE_EXCEPTIONS"] = propagate
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
