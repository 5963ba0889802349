"""The pages work under the Content-Security-Policy: no script or style is refused, Swagger UI included."""

import pytest

from traceability.demo import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def test_swagger_ui_renders_the_api_under_the_policy(page):
    refused = _watch(page)
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert page.locator(".opblock").count() > 10  # every operation listed
    assert refused == []


def test_the_site_forms_position_button_runs_under_the_policy(page):
    refused = _watch(page)
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    page.goto("/app/sites/new")
    assert page.locator("#use-gps").is_visible()  # shown by static/js/gps.js
    assert refused == []
