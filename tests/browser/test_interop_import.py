"""The import page in a real browser: the upload goes through the progress script and the answer replaces the
page, with the problems listed, or the summary after a good file."""

from __future__ import annotations

import secrets

import pytest

from traceability.demo import DEMO_PASSWORD

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

HEADER = (
    "lot_code;product;quantity;unit;harvested_on;"
    "chemical_applied_on;chemical_trade_name;chemical_active_ingredient;chemical_purpose\n"
)


def _upload(page, content: str) -> None:
    page.set_input_files("#f-file", files=[{"name": "lo.csv", "mimeType": "text/csv", "buffer": content.encode()}])
    page.get_by_role("button", name="Kiểm tra và nhập").click()


def test_import_lists_problems_then_imports_a_good_file(page):
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    page.goto(page.url.replace("/app/", "/app/data"))
    assert page.locator("h1").inner_text() == "Nhập và xuất dữ liệu"

    lot = f"WEB-{secrets.token_hex(3)}"
    _upload(page, HEADER + f"{lot};Chè búp tươi Tân Cương;12,5;kg;31/02/2026;;;;\n{lot}-2;Chè không có;1;kg;;;;;\n")
    page.wait_for_selector("ul.import-errors")
    text = page.locator(".form-errors").inner_text()
    assert "Chưa nhập dữ liệu nào" in text and "2 lỗi cần sửa" in text
    assert "dd/mm/yyyy" in text and "Chè không có" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "import-problems")

    good = (
        HEADER + f"{lot};Chè búp tươi Tân Cương;12,5;kg;15/10/2026;01/10/2026;Anvil 5SC;Hexaconazole;thuốc trừ bệnh\n"
    )
    _upload(page, good)
    page.wait_for_selector(".flash")
    assert "Đã nhập 1 lô cùng 1 lần sử dụng" in page.locator(".flash").inner_text()
    screenshot(page, "import-done")
