import pytest

from traceability.demo import DEMO_PASSWORD

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_demo_producer_signs_in_and_sees_the_workspace(page):
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    assert page.locator("h1").inner_text() == "Hợp tác xã Chè Tân Cương Xanh"
    assert page.get_by_text("Lô hàng").filter(visible=True).count() >= 1  # the workspace speaks Vietnamese
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "producer-workspace")


def test_wrong_password_shows_a_message(page):
    sign_in(page, "htx.tancuong@example.org", "not the password")
    assert page.locator(".form-errors").is_visible()
    assert "Sai địa chỉ e-mail hoặc mật khẩu" in page.content()
