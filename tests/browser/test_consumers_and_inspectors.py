"""Consumers and inspectors on a phone, in Vietnamese: the start page's box, the recall banner, the agency's
identity, the inspector's record and queue, and the admin's verification page. Screenshots go to tests/_artifacts/.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User
from traceability.accounts.services import hash_password
from traceability.batches.models import Batch, BatchStatus, PublishAttempt
from traceability.codes.demo import EXAMPLE_CODE
from traceability.codes.identifiers import grouped, new_code
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.demo import DEMO_PASSWORD
from traceability.public.models import ConsumerReport, ReportKind
from traceability.registry.models import Product, Site

from ..conftest import _RUN_DIR
from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

TEA_TAX_CODE = "4601234567"
AGENCY = "Sở Nông nghiệp và Môi trường tỉnh Thái Nguyên"


def _tea(session) -> tuple[Organization, Product, Site]:
    org = session.scalar(select(Organization).where(Organization.tax_code == TEA_TAX_CODE))
    product = session.scalars(select(Product).where(Product.organization_id == org.id).order_by(Product.id)).first()
    site = session.scalars(select(Site).where(Site.organization_id == org.id).order_by(Site.id)).first()
    return org, product, site


def _batch(session, lot: str, status: BatchStatus, reason: str | None = None) -> Batch:
    org, product, site = _tea(session)
    batch = session.scalar(select(Batch).where(Batch.organization_id == org.id, Batch.lot_code == lot))
    if batch is None:
        batch = Batch(
            organization=org,
            product=product,
            site=site,
            lot_code=lot,
            quantity=Decimal(40),
            unit="kg",
            harvested_on=dt.date(2026, 10, 2),
            status=status,
            status_reason=reason,
            status_changed_at=utcnow() if reason else None,
            published_at=None if status == BatchStatus.DRAFT else utcnow(),
        )
        session.add(batch)
        session.flush()
    return batch


def _above(page, first: str, second: str) -> bool:
    return page.locator(first).first.bounding_box()["y"] < page.locator(second).first.bounding_box()["y"]


def test_the_start_page_opens_the_example_code_and_a_receipt(page, live_db):
    batch = _batch(live_db, "UX-RECEIPT-1", BatchStatus.PUBLISHED)
    code = issue_lot_code(live_db, batch)
    receipt = new_code()
    live_db.add(ConsumerReport(receipt=receipt, code=code, batch=batch, kind=ReportKind.QUALITY, message="Chè bị mốc"))
    live_db.commit()

    page.goto("/")
    assert page.get_attribute("#code", "placeholder") == grouped(EXAMPLE_CODE)
    footer = page.locator("footer").inner_text()
    assert AGENCY in footer and "1022" in footer and "Quyền riêng tư" in footer
    assert page.locator("footer img").evaluate("img => img.complete && img.naturalWidth > 0")  # the emblem loads
    assert page.request.get("/favicon.ico").status == 200
    screenshot(page, "home-agency-phone")

    page.fill("#code", grouped(EXAMPLE_CODE))  # the example, as a person would copy it
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/c/{EXAMPLE_CODE}")
    assert "có thể là hàng giả" not in page.inner_text("main")
    assert page.locator("#status.verdict").is_visible()
    screenshot(page, "home-example-code-phone")

    page.goto("/")
    page.fill("#code", grouped(receipt).lower())
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/r/{receipt}")
    assert page.locator("h1").inner_text() == "Phản ánh của bạn"
    assert grouped(receipt) in page.inner_text("main")
    screenshot(page, "home-receipt-phone")


def test_recall_and_suspension_banners_say_what_to_do(page, live_db):
    recalled = _batch(live_db, "UX-RECALL-1", BatchStatus.RECALLED, "Dư lượng thuốc vượt ngưỡng")
    held = _batch(live_db, "UX-HOLD-1", BatchStatus.SUSPENDED, "Chờ kết quả kiểm nghiệm")
    recalled_code, held_code = issue_lot_code(live_db, recalled).value, issue_lot_code(live_db, held).value
    live_db.commit()

    page.goto(f"/c/{recalled_code}")
    todo = page.locator("#what-to-do")
    assert todo.is_visible() and _above(page, "#what-to-do", "#stages")
    text = todo.inner_text()
    assert "Ngừng sử dụng" in text and "Mang trả lại nơi bạn đã mua" in text and AGENCY in text
    assert todo.locator("a[href='tel:1022']").is_visible()
    assert todo.bounding_box()["y"] < 740 * 1.5  # within a thumb's scroll of the verdict, on a 740 px screen
    screenshot(page, "recall-what-to-do-phone")

    page.goto(f"/c/{held_code}")
    text = page.locator("#what-to-do").inner_text()
    assert "Tạm thời chưa dùng" in text and "Ngừng sử dụng" not in text
    screenshot(page, "suspension-what-to-do-phone")


def test_the_inspectors_record_puts_the_field_check_first(page, live_db):
    org, _product, _site = _tea(live_db)
    batch = live_db.scalars(
        select(Batch)
        .where(Batch.organization_id == org.id, Batch.status == BatchStatus.PUBLISHED, Batch.lot_code == "TC-261005-A")
    ).first()
    live_db.rollback()
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.goto(f"/inspect/batches/{batch.id}")
    order = ["#batch-status", "dl.facts", "#chemicals", "#lab-tests", "#process", "#inspections", "#codes"]
    for first, second in itertools.pairwise(order):
        assert _above(page, first, second), (first, second)
    assert _above(page, "#codes", "#inspect-form")
    codes = page.locator("#codes")
    assert "mã đã cấp" in codes.inner_text() and codes.locator("table").count() == 0  # counts, not a list
    screenshot(page, "inspector-record-phone")
    page.click("#codes-details")
    page.wait_for_url("**codes_page=1**")
    assert page.locator("#codes table tbody tr").count() >= 24
    page.click("a[href='#inspect-form']")  # the form is one tap from the top
    assert page.locator("#inspect-form").is_visible()


def test_a_refused_publish_reads_for_the_inspector_and_leaves_once_published(page, live_db):
    batch = _batch(live_db, "UX-REFUSED-1", BatchStatus.DRAFT)
    problems = [
        {"field": "chemicals", "rule": "banned_substance", "message": "Carbofuran bị cấm sử dụng. Hãy xoá dòng này."}
    ]
    live_db.add(PublishAttempt(batch_id=batch.id, is_accepted=False, problems=problems, attempted_at=utcnow()))
    live_db.commit()

    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.goto("/inspect/queue")
    line = page.locator("li.refused-publish", has_text="UX-REFUSED-1")
    text = line.inner_text()
    assert "Hợp tác xã" in text or batch.organization.name in text
    assert "không thể công bố lô UX-REFUSED-1" in text and "có chất cấm trong các hóa chất đã sử dụng" in text
    assert not line.locator("details ul").is_visible()  # what the producer was told stays folded
    line.scroll_into_view_if_needed()
    screenshot(page, "inspector-refused-publish-phone")

    batch = live_db.get(Batch, batch.id)
    batch.status, batch.published_at = BatchStatus.PUBLISHED, utcnow()
    live_db.add(PublishAttempt(batch_id=batch.id, is_accepted=True, problems=[], attempted_at=utcnow()))
    live_db.commit()
    page.reload()
    assert page.locator("li.refused-publish", has_text="UX-REFUSED-1").count() == 0


def _registration_scan(path: Path) -> Path:
    image = Image.new("RGB", (800, 1100), "white")
    image.save(path, "PNG")
    return path


def test_the_admin_decides_with_the_applicant_its_registration_and_earlier_decisions(page, live_db):
    org = live_db.scalar(select(Organization).where(Organization.tax_code == "4609990001"))
    if org is None:
        org = Organization(
            name="HTX Chè Thử Nghiệm",
            kind=OrgKind.COOPERATIVE,
            tax_code="4609990001",
            province="Thái Nguyên",
            commune="Phúc Xuân",
            address="Xóm Khuôn Ngàn",
            phone="0912 000 111",
            status=OrgStatus.PENDING,
        )
        user = User(
            email="htx.thunghiem@example.org",
            password_hash=hash_password(DEMO_PASSWORD),
            full_name="Đỗ Thị Mai",
            role=Role.PRODUCER,
            organization=org,
            email_confirmed_at=utcnow(),
        )
        live_db.add_all([org, user])
        live_db.commit()

    sign_in(page, "htx.thunghiem@example.org", DEMO_PASSWORD)
    page.goto("/app/organization")
    page.set_input_files("#f-registration", str(_registration_scan(Path(_RUN_DIR) / "gpkd.png")))
    page.click("#registration button[type=submit]")
    page.wait_for_url("**/app/organization")
    assert "Đã nhận giấy chứng nhận đăng ký kinh doanh" in page.inner_text("main")
    screenshot(page, "producer-registration-uploaded-phone")
    page.context.clear_cookies()

    sign_in(page, "admin@example.org", DEMO_PASSWORD)
    page.goto(f"/admin/organizations/{org.id}")
    applicant = page.locator("#applicant").inner_text()
    for fact in ("HTX Chè Thử Nghiệm", "4609990001", "Hợp tác xã", "Phúc Xuân", "0912 000 111", "Đỗ Thị Mai"):
        assert fact in applicant, fact
    document = page.locator("#documents a")
    response = page.request.get(document.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.body())).size == (800, 1100)
    assert "quyết định đầu tiên" in page.locator("#decisions").inner_text()
    screenshot(page, "admin-verification-phone")

    page.fill("#f-reason", "Ảnh giấy phép bị mờ, xin gửi lại")
    page.click("button[name=reject]")
    page.wait_for_url(f"**/admin/organizations/{org.id}")
    decisions = page.locator("#decisions").inner_text()
    assert "Bị từ chối" in decisions and "Ảnh giấy phép bị mờ, xin gửi lại" in decisions
    screenshot(page, "admin-verification-decided-phone")
