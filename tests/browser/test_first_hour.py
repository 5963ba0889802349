"""A new producer's first hour on a phone, in Vietnamese: the steps, what to create first, the GTIN said before
the form is sent, a chosen file kept through a refused form, the sign-out button, a confirmation before deleting,
and the amendment form's own inputs."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from traceability.accounts import services as accounts
from traceability.accounts.models import OrgKind, Role
from traceability.batches.models import Batch, BatchStatus
from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product, Site, SiteKind

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-thu-1"


def _contrast(page, selector: str) -> float:
    """WCAG contrast ratio of an element's text colour against the top bar's background."""
    return page.evaluate(
        """(selector) => {
          const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
            : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
          const fg = lum(rgb(getComputedStyle(document.querySelector(selector)).color));
          const bg = lum(rgb(getComputedStyle(document.querySelector('.topbar')).backgroundColor));
          return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        }""",
        selector,
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _category(page) -> None:
    """The category field: a list to choose from or free text, whichever the form has."""
    field = page.locator("#f-category")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(index=1)
    else:
        field.fill("tea")


def test_a_new_producer_is_shown_the_way_and_loses_nothing(page, live_db):
    page.set_default_timeout(30_000)  # a long walk on a shared, loaded machine
    tag = uuid.uuid4().hex[:6]
    org = accounts.create_organization(
        live_db,
        {
            "name": f"HTX Chè Khuôn Gà {tag}",
            "kind": OrgKind.COOPERATIVE,
            "tax_code": f"46{uuid.uuid4().int % 10**8:08d}",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "address": "Xóm Khuôn Gà",
        },
    )
    email = f"moi-{tag}@example.org"
    accounts.create_user(
        live_db, email=email, password=PASSWORD, full_name="Lê Thị Mới", role=Role.PRODUCER, organization=org
    )
    live_db.commit()

    sign_in(page, email, PASSWORD)
    page.wait_for_url("**/app/")
    steps = page.locator("#first-steps li")
    assert steps.count() == 5
    assert [steps.nth(i).get_attribute("data-step") for i in range(5)] == [
        "site",
        "product",
        "batch",
        "publish",
        "print",
    ]
    assert page.locator("#first-steps .done").count() == 0
    assert "Đăng ký cơ sở/vùng trồng" in steps.nth(0).inner_text()  # the first thing to do, in Vietnamese
    # the sign-out button reads on the green bar
    assert page.get_by_role("button", name="Đăng xuất").is_visible()
    assert _contrast(page, ".topbar button.link") >= 4.5
    screenshot(page, "first-hour-steps")

    steps.nth(2).locator("a").click()  # "record a batch" before anything else: the form says what comes first
    page.wait_for_url("**/app/batches/new")
    prerequisites = page.locator("#prerequisites")
    assert prerequisites.is_visible()
    assert prerequisites.locator("a[href='/app/sites/new']").is_visible()
    assert prerequisites.locator("a[href='/app/products/new']").is_visible()
    assert page.locator("label[for=f-site_id] .pub").is_visible()  # needed to publish, explained by the legend
    assert page.locator(".legend .pub").is_visible()
    screenshot(page, "first-hour-batch-prerequisites")

    site = Site(
        organization_id=org.id,
        kind=SiteKind.GROWING_AREA,
        name="Đồi Khuôn Gà",
        province="Thái Nguyên",
        commune="Tân Cương",
    )
    live_db.add(site)
    live_db.commit()

    page.goto("/app/products/new")
    page.fill("#f-gtin", "08936012345018")
    page.fill("#f-unit", "kg")  # leaving the GTIN field: it is checked at once
    live = page.locator("#live-gtin")
    live.wait_for(state="visible")
    assert "sau khi tổ chức đã được xác minh" in live.inner_text()  # said before the form is sent
    screenshot(page, "first-hour-gtin-checked")

    page.set_input_files("#f-image", files=[{"name": "anh-che.png", "mimeType": "image/png", "buffer": _png()}])
    _category(page)
    page.click("main form button[type=submit]")  # no name, and the GTIN refused
    page.wait_for_selector("#kept-image")
    assert "anh-che.png" in page.locator("#kept-image").inner_text()
    assert page.locator(".field.has-error #f-name").count() == 1
    screenshot(page, "first-hour-file-kept")
    page.fill("#f-name", "Chè búp Khuôn Gà")
    page.fill("#f-gtin", "")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/products")
    product = live_db.execute(select(Product.name, Product.image_path).where(Product.organization_id == org.id)).one()
    live_db.rollback()  # reads take SQLite's write lock here: let the server write again
    assert product.name == "Chè búp Khuôn Gà" and product.image_path  # the kept file, without choosing it again

    page.goto("/app/batches/new")
    assert page.locator("#prerequisites").count() == 0
    page.select_option("#f-product_id", label="Chè búp Khuôn Gà")
    page.select_option("#f-site_id", label="Đồi Khuôn Gà")
    page.fill("#f-quantity", "12,5")
    page.fill("#f-harvested_on", "2026-10-10")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/batches/*")
    page.click("#delete-draft")
    page.wait_for_selector("#confirm-delete")
    assert "không thể hoàn tác" in page.locator("#confirm").inner_text()
    screenshot(page, "first-hour-confirm-delete")
    page.get_by_role("link", name="Hủy").click()
    page.wait_for_selector("#delete-draft")
    assert live_db.scalar(select(Batch.id).where(Batch.organization_id == org.id)) is not None  # still there
    live_db.rollback()

    page.goto("/app/")
    done = [page.locator(f"#first-steps li[data-step={key}] .done").count() for key in ("site", "product", "batch")]
    assert done == [1, 1, 1]
    screenshot(page, "first-hour-steps-done")

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/")
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    published = live_db.scalar(
        select(Batch)
        .where(Batch.status == BatchStatus.PUBLISHED, Batch.site_id.is_not(None))
        .join(Product)
        .where(Product.organization_id == Batch.organization_id)
        .order_by(Batch.id)
        .limit(1)
    )
    site_name, site_id = published.site.name, published.site_id
    live_db.rollback()
    page.goto(f"/app/batches/{published.id}")
    page.click("#form-amendment summary")
    page.select_option("#f-amend", "site_id")
    page.click("#form-amendment button[type=submit]")
    value = page.locator("#form-amendment select#f-value")
    value.wait_for()
    names = value.locator("option").all_inner_texts()
    assert site_name in names and not any(name.isdigit() for name in names)  # names, never ids
    assert value.input_value() == str(site_id)
    screenshot(page, "first-hour-amend-site")
    page.goto(f"/app/batches/{published.id}?amend=harvested_on#form-amendment")
    assert page.locator("#form-amendment input#f-value").get_attribute("type") == "date"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
