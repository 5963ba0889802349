"""The consumer's page in a phone-sized Chromium, in Vietnamese, with a screenshot of each case."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from traceability.accounts.models import Organization
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.codes.identifiers import grouped, new_code
from traceability.codes.models import Code, CodeKind, Scan
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.public.models import ConsumerReport, ReportStatus
from traceability.registry.models import Product, Site

from .conftest import screenshot

pytestmark = pytest.mark.browser
TEA_TAX_CODE = "4601234567"  # the demo's tea cooperative


def _publish(live_db, product_name: str, site_name: str, inputs=(), status=BatchStatus.PUBLISHED, reason=None):
    org = live_db.scalar(select(Organization).where(Organization.tax_code == TEA_TAX_CODE))
    product = live_db.scalar(select(Product).where(Product.organization_id == org.id, Product.name == product_name))
    site = live_db.scalar(select(Site).where(Site.organization_id == org.id, Site.name == site_name))
    batch = Batch(
        organization_id=org.id,
        product_id=product.id,
        site_id=site.id,
        lot_code=f"B-{uuid.uuid4().hex[:8].upper()}",
        quantity=Decimal("50"),
        unit="kg",
        harvested_on=dt.date(2026, 10, 1),
        status=status,
        status_reason=reason,
        status_changed_at=utcnow() if reason else None,
        published_at=utcnow(),
    )
    live_db.add(batch)
    live_db.flush()
    for upstream in inputs:
        live_db.add(BatchInput(batch_id=batch.id, input_batch_id=upstream.id, quantity=Decimal("10")))
    code = issue_lot_code(live_db, batch)
    live_db.commit()
    return batch, code


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_published_batch(page, live_db):
    _batch, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    response = page.goto(f"/c/{code.value}")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Chè Tân Cương đặc biệt"
    assert page.locator(".verdict.ok").is_visible()
    assert "Mã đã đăng ký" in page.locator(".verdict-line").inner_text()
    assert page.get_by_text(grouped(code.value)).is_visible()
    assert page.get_by_text("Cơ sở đã xác minh").is_visible()
    assert page.locator("a[href^='geo:']").is_visible()  # the phone's map app, no tiles fetched
    assert _fits_the_phone(page)
    screenshot(page, "public-published")


def test_suspended_batch(page, live_db):
    _batch, code = _publish(
        live_db,
        "Chè Tân Cương đặc biệt",
        "Xưởng sao chè HTX",
        status=BatchStatus.SUSPENDED,
        reason="Chờ kết quả kiểm nghiệm",
    )
    page.goto(f"/c/{code.value}")
    verdict = page.locator(".verdict.warn")
    assert verdict.is_visible() and "Tạm dừng lưu thông" in verdict.inner_text()
    assert "Chờ kết quả kiểm nghiệm" in page.locator(".warnings").inner_text()
    # amber, not red: the colour a consumer reads first
    assert page.evaluate("getComputedStyle(document.querySelector('.verdict')).borderLeftColor") == "rgb(178, 107, 0)"
    assert _fits_the_phone(page)
    screenshot(page, "public-suspended")


def test_downstream_batch_of_a_recalled_input(page, live_db):
    leaf, leaf_code = _publish(live_db, "Chè búp tươi Tân Cương", "Đồi chè Hồng Thái")
    _packed, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX", inputs=[leaf])
    page.goto(f"/c/{code.value}")
    assert page.locator(".verdict.ok").is_visible()

    row = live_db.get(Batch, leaf.id)
    row.status, row.status_reason, row.status_changed_at = BatchStatus.RECALLED, "Dư lượng vượt ngưỡng", utcnow()
    live_db.commit()
    page.reload()  # the browser revalidates its copy: the recall shows at once
    assert page.locator(".verdict.bad").is_visible()
    warning = page.locator(".warnings li.w-recall")
    assert leaf.lot_code in warning.inner_text() and "Dư lượng vượt ngưỡng" in warning.inner_text()
    assert _fits_the_phone(page)
    screenshot(page, "public-recalled-input")
    warning.get_by_role("link").click()
    page.wait_for_url(f"**/c/{leaf_code.value}")
    assert "Đã thu hồi" in page.locator(".verdict-line").inner_text()


def test_copied_serial_code(page, live_db):
    batch, _code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    unit = Code(value=new_code(), batch_id=batch.id, kind=CodeKind.SERIAL)
    live_db.add(unit)
    live_db.flush()
    start = utcnow() - dt.timedelta(days=3)
    live_db.add_all(
        Scan(code_id=unit.id, scanned_at=start + dt.timedelta(hours=n), client_hash=f"{n:064x}") for n in range(30)
    )
    live_db.commit()
    page.goto(f"/01/08936012345001/10/{batch.lot_code}/21/{unit.value}")
    assert "có thể đã bị sao chép" in page.locator(".verdict-line").inner_text()
    assert page.locator(".warnings li.w-suspected_copy").is_visible()
    assert "31 lần" in page.locator("#verification").inner_text()
    assert _fits_the_phone(page)
    screenshot(page, "public-copied-serial")


def test_mistyped_code_invites_retyping(page, live_db):
    _batch, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    typed = grouped(code.value)
    wrong = typed[:-1] + ("0" if typed[-1] != "0" else "1")
    page.goto("/")
    page.fill("#code", wrong.lower())
    page.click("form button[type=submit]")
    assert page.locator("h1").inner_text() == "Mã nhập sai"
    assert _fits_the_phone(page)
    screenshot(page, "public-mistyped")
    page.fill("#code", typed)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/c/{code.value}")
    assert page.locator(".verdict.ok").is_visible()


def test_report_and_its_receipt(page, live_db, tmp_path):
    _batch, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    photo = tmp_path / "nhan.png"
    Image.new("RGB", (640, 480), (200, 40, 40)).save(photo)
    page.goto(f"/c/{code.value}")
    page.get_by_role("link", name="Phản ánh sản phẩm").click()
    page.select_option("#f-kind", "labelling")
    page.fill("#f-message", "Nhãn bị dán đè lên hạn sử dụng cũ")
    page.set_input_files("#f-photo", str(photo))
    assert _fits_the_phone(page)
    screenshot(page, "public-report-form")
    page.click("form button[type=submit]")
    page.wait_for_url("**/r/*")
    receipt = page.locator("b.code").inner_text()
    assert "Chưa có trả lời" in page.content()

    report = live_db.scalar(select(ConsumerReport).where(ConsumerReport.receipt == receipt.replace("-", "")))
    assert report.photo_path and report.message == "Nhãn bị dán đè lên hạn sử dụng cũ"
    report.status, report.reply = ReportStatus.IN_REVIEW, "Đoàn kiểm tra sẽ làm việc với cơ sở trong tuần này."
    live_db.commit()
    page.reload()
    assert page.locator(".reply").inner_text() == "Đoàn kiểm tra sẽ làm việc với cơ sở trong tuần này."
    assert _fits_the_phone(page)
    screenshot(page, "public-receipt")


def test_page_weight_without_images(page, live_db):
    _batch, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    sizes: dict[str, int] = {}

    def _weigh(response) -> None:
        # images apart, and the site's icon, which a browser asks for once per site and keeps for a week
        if response.request.resource_type != "image" and "favicon" not in response.url:
            sizes[response.url] = len(response.body())

    page.on("response", _weigh)
    page.goto(f"/c/{code.value}")
    page.wait_for_load_state("networkidle")
    assert sum(sizes.values()) < 30 * 1024, sizes
    assert len(sizes) <= 3  # the page, its two style sheets: no scripts, no other host
