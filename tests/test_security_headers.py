"""Every answer carries the security headers: public pages, the workspace, the API, uploaded and static
files. Pages use no inline script or style, so the policy needs no 'unsafe-inline'."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from traceability import create_app
from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.config import PROJECT_ROOT, load_config
from traceability.security import CONTENT_SECURITY_POLICY

from .conftest import login

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self), payment=(), usb=()",
}


def assert_secured(response, **differences: str) -> None:
    expected = EXPECTED | {name.replace("_", "-"): value for name, value in differences.items()}
    got = {name: response.headers.get(name) for name in expected}
    assert got == expected
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development and tests: plain HTTP allowed


def test_the_policy_allows_only_this_sites_scripts_and_styles():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    # workers (the inspector workspace's service worker) and manifests only from this site
    assert directives["worker-src"] == "'self'" and directives["manifest-src"] == "'self'"


def test_public_pages(client, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    code = lot_code_for(db_session, batch)
    db_session.commit()
    assert_secured(client.get("/"))
    for _ in range(2):  # the second answer is replayed from memory by the page cache
        page = client.get(f"/c/{code.value}", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert_secured(page)
        assert "<script" not in page.get_data(as_text=True)  # the consumer's page is script-free
    assert_secured(client.get("/c/NOT-A-CODE"))  # an error page too


def test_a_workspace_page(client, make_user):
    login(client, make_user())
    page = client.get("/app/")
    assert page.status_code == 200
    assert_secured(page)


def test_api_answers(client, make_user, api_as):
    answer = api_as(make_user()).get("/api/v1/organizations/me")
    assert answer.status_code == 200 and answer.is_json
    assert_secured(answer)
    refused = client.get("/api/v1/organizations/me")
    assert refused.status_code == 401
    assert_secured(refused)


def test_an_uploaded_file_keeps_its_own_sandbox_and_is_never_framed(client, make_user, make_product, api_as):
    producer = make_user()
    product = make_product(producer.organization)
    image = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 120, 60)).save(image, "PNG")
    put = api_as(producer).put(
        f"/api/v1/products/{product.id}/image",
        data={"image": (io.BytesIO(image.getvalue()), "tea.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert put.status_code == 200, put.json
    login(client, producer)
    answer = client.get(f"/app/products/{product.id}/image")
    assert answer.status_code == 200 and answer.mimetype.startswith("image/")
    assert_secured(answer, Content_Security_Policy="sandbox; frame-ancestors 'none'")


def test_static_files(client):
    assert_secured(client.get("/static/css/app.css"))


def test_the_camera_is_allowed_on_the_scanner_page_only(client, make_user):
    login(client, make_user("inspector"))
    scanner = client.get("/inspect/find")
    assert scanner.status_code == 200 and "scanner.js" in scanner.get_data(as_text=True)
    assert_secured(scanner, Permissions_Policy="camera=(self), microphone=(), geolocation=(self), payment=(), usb=()")
    assert_secured(client.get("/inspect/"))


def test_hsts_in_production(engine, make_user, production_env):
    assert load_config()["HSTS_SECONDS"] == 31536000
    app = create_app({"TESTING": True, "ENGINE": engine, "KEEP_SESSION_BINDING": True, "HSTS_SECONDS": 31536000})
    for path in ("/", "/api/v1/organizations/me", "/static/css/app.css"):
        answer = app.test_client().get(path)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_swagger_ui_starts_from_a_local_file(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    found = []
    for path in sorted(Path(PROJECT_ROOT, "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:"):
            found += [f"{path.relative_to(PROJECT_ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []
