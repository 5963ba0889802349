"""The codes page in a phone's browser: issue unit codes, and download a long label sheet with its progress."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

import pytest
from sqlalchemy import select

from traceability.accounts.models import User
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import issue_lot_code, issue_serial_codes
from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product

from ..codes.conftest import decode_image, rasterise_pdf
from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
PRODUCER = "htx.tancuong@example.org"


@pytest.fixture
def batch_with_codes(live_db):
    """A published batch of the demo tea cooperative, with 130 unit codes (13 pages of 10 labels)."""
    user = live_db.scalar(select(User).where(User.email == PRODUCER))
    product = live_db.scalar(select(Product).where(Product.gtin == "08936012345001"))
    batch = Batch(
        organization_id=user.organization_id,
        product=product,
        lot_code=f"TC-{secrets.token_hex(3).upper()}",
        quantity=Decimal(26),
        unit="kg",
        status=BatchStatus.PUBLISHED,
        published_at=dt.datetime.now(dt.UTC),
        expires_on=dt.date(2027, 12, 31),
    )
    live_db.add(batch)
    live_db.flush()
    issue_lot_code(live_db, batch)
    codes = issue_serial_codes(live_db, batch, 130, user)
    live_db.commit()
    return batch, codes


def test_issue_codes_from_the_phone(page, batch_with_codes):
    batch, _codes = batch_with_codes
    sign_in(page, PRODUCER, DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    page.goto(f"/app/batches/{batch.id}/codes")
    assert page.locator("h1").inner_text() == "Mã và tem nhãn"
    page.fill("#f-count", "5")
    page.click("text=Cấp mã >> nth=-1")
    page.wait_for_selector(".flash")
    assert "Đã cấp 5 mã đơn vị." in page.locator(".flash").inner_text()
    assert "Đã cấp 135, đã thu hồi 0." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "codes-page")


def test_a_long_label_sheet_shows_progress_and_downloads(page, batch_with_codes, live_server, tmp_path):
    batch, codes = batch_with_codes
    sign_in(page, PRODUCER, DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    page.goto(f"/app/batches/{batch.id}/codes")
    page.check("input[name=codes][value=serial]")
    page.select_option("#f-per_page", "10")
    with page.expect_download() as download_info:
        page.click("text=Tải PDF")
    status = page.locator(".progress [role=status]")
    status.filter(has_text="Tờ tem nhãn đã sẵn sàng.").wait_for()
    assert page.locator(".progress progress").evaluate("p => [p.value, p.max]") == [13, 13]
    screenshot(page, "codes-label-progress")
    pdf = tmp_path / "labels.pdf"
    download_info.value.save_as(pdf)
    assert download_info.value.suggested_filename == f"labels-{batch.lot_code}-serial.pdf"
    first_page = rasterise_pdf(pdf.read_bytes())[0]
    prefix = f"{live_server.url}/01/08936012345001/10/{batch.lot_code}/21/"
    assert decode_image(first_page) == [prefix + code for code in codes[:10]]
