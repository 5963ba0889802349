"""The reference lists on a phone, in Vietnamese: a site's commune and a product's category are chosen from the
province's lists (the key products first), and an inspector finds them typing without accents."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product, Site

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_lists_chosen_on_a_phone_and_found_without_accents(page, live_db, browser, live_server):
    page.set_default_timeout(30_000)  # a shared, loaded machine
    tag = uuid.uuid4().hex[:6]
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")

    page.goto("/app/sites/new")
    communes = page.locator("#f-commune_code")
    # the province's wards and communes, grouped, by their Vietnamese names
    assert communes.locator("optgroup").count() >= 2
    assert communes.locator("option", has_text="Phường Bá Xuyên").count() == 1
    page.select_option("#f-kind", index=0)
    page.fill("#f-name", f"Đồi chè Bá Xuyên {tag}")
    communes.select_option(label="Phường Bá Xuyên")
    screenshot(page, "lists-site-commune-phone")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/sites")
    site = live_db.scalar(select(Site).where(Site.name == f"Đồi chè Bá Xuyên {tag}"))
    assert (site.commune_code, site.commune) == ("05533", "Phường Bá Xuyên")
    live_db.rollback()  # (its reads hold SQLite's write lock: let the server write again)

    page.goto("/app/products/new")
    categories = page.locator("#f-category option")
    names = [categories.nth(i).inner_text().strip() for i in range(categories.count())]
    assert names[1] == "Chè"  # the province's key products first, after the empty choice
    assert "tea" not in names and "Tea" not in names  # one language on the page
    page.fill("#f-name", f"Chè búp Bá Xuyên {tag}")
    page.select_option("#f-category", label="Chè")
    page.fill("#f-unit", "kg")
    screenshot(page, "lists-product-category-phone")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/products")
    product = live_db.scalar(select(Product).where(Product.name == f"Chè búp Bá Xuyên {tag}"))
    assert product.category_code == "tea"
    live_db.rollback()

    # the inspector, typing without accents, finds the cooperative's batches by its commune and name
    inspector = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 360, "height": 740})
    try:
        field = inspector.new_page()
        field.set_default_timeout(30_000)
        sign_in(field, "thanhtra@example.org", DEMO_PASSWORD)
        field.wait_for_url("**/inspect/**")
        field.goto("/inspect/find?q=tan cuong")
        rows = field.locator("ul.results li")
        assert rows.count() >= 1
        assert "Tân Cương" in field.locator("main").inner_text()
        screenshot(field, "lists-inspector-search-phone")
    finally:
        inspector.close()
