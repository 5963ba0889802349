"""An inspector on a tea hill without signal: field pack, offline reload, scan, record, restart, send once.

The phone is a persistent Chromium profile (IndexedDB and the service worker's cache live in it), closed and
opened again like a phone put away; Playwright's offline mode cuts the signal. The camera is Chromium's fake
camera playing a video of the batch's QR code, read by the vendored jsQR (Debian's Chromium has no
BarcodeDetector). The first send's answer is lost on purpose: the phone sends again, one inspection arrives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from traceability.accounts.models import Organization, OrgKind, OrgStatus
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.codes.identifiers import grouped
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.demo import DEMO_PASSWORD
from traceability.inspection.models import Inspection
from traceability.public.models import ConsumerReport, ReportKind
from traceability.registry.models import Product, Site, SiteKind

from ..conftest import _RUN_DIR
from .conftest import CHROMIUM_ARGS, screenshot, sign_in
from .test_inspector_scan import _y4m

pytestmark = pytest.mark.browser


def _field_batch(session, commune: tuple[str, str], tax_code: str, lot: str) -> tuple[Batch, str]:
    """A tea cooperative of a commune of the list (code, name), with a published batch and its lot code; its
    tea hill's commune is typed as before the list, in lower case without accents (the pack finds it by name)."""
    code, name = commune
    org = session.scalar(select(Organization).where(Organization.tax_code == tax_code))
    if org is None:
        org = Organization(
            name=f"HTX Chè {name}",
            kind=OrgKind.COOPERATIVE,
            tax_code=tax_code,
            province="Thái Nguyên",
            commune=name,
            commune_code=code,
            address="Xóm Đồi",
            status=OrgStatus.VERIFIED,
        )
        session.add(org)
        session.flush()
    product = session.scalar(select(Product).where(Product.organization_id == org.id))
    if product is None:
        product = Product(organization=org, name="Chè búp tươi", category_code="tea", unit="kg")
        typed = name.lower().replace("xã ", "xa ")
        site = Site(organization=org, kind=SiteKind.FARM, name="Đồi chè số 1", province="Thái Nguyên", commune=typed)
        session.add_all([product, site])
        session.flush()
    batch = session.scalar(select(Batch).where(Batch.lot_code == lot))
    if batch is None:
        batch = Batch(
            organization=org,
            product=product,
            lot_code=lot,
            quantity=Decimal(120),
            unit="kg",
            harvested_on=dt.date(2026, 11, 20),
            status=BatchStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(batch)
        session.flush()
    code = issue_lot_code(session, batch).value
    session.commit()
    return batch, code


def _only_loopback(route: Any) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if host in {"127.0.0.1", "localhost"} or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def phone(browser, live_server, tmp_path) -> Iterator[Callable[..., Any]]:
    """Opens the same phone profile again each time it is called (the previous one must be closed)."""
    profile = tmp_path / "phone-profile"
    opened: list[Any] = []

    def _open(camera: Path | None = None) -> Any:
        args = list(CHROMIUM_ARGS)
        if camera is not None:
            args += [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
            ]
        context = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=args,
            base_url=live_server.url,
            locale="vi-VN",
            viewport={"width": 360, "height": 740},
            timezone_id="Asia/Ho_Chi_Minh",
        )
        context.set_default_timeout(30_000)  # a loaded machine: sign-in hashes a password, workers start
        context.route("**/*", _only_loopback)
        opened.append(context)
        return context

    yield _open
    for context in opened:
        with contextlib.suppress(Exception):  # closed by the test already
            context.close()


def _page(context: Any) -> Any:
    return context.pages[0] if context.pages else context.new_page()


def _signal_back(context: Any, page: Any) -> None:
    """The phone has signal again, and knows it (as its owner sees the status change) before anything is done:
    the browser applies the change to the page and its service worker a moment later."""
    context.set_offline(False)
    page.wait_for_function("navigator.onLine")


def _open_field_page(page: Any) -> None:
    page.goto("/inspect/field/")
    if "/login" in page.url:  # the session cookie did not outlive the browser: sign in again, as a phone would
        page.fill("#f-email", "thanhtra@example.org")
        page.fill("#f-password", DEMO_PASSWORD)
        page.click("form button[type=submit]")
        try:
            page.wait_for_url("**/inspect/field/")  # the sign-in sends the phone back to where it was going
        except PlaywrightTimeout as error:  # where the phone was left is what explains a failure here
            left = page.locator("body").inner_text()[:500]
            raise AssertionError(f"after signing in the phone is at {page.url}: {left!r}") from error
    # the service worker keeps the page and its files before it takes control; a page opened before it was
    # active is controlled from its next load
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def _prepare_pack(page: Any, commune: tuple[str, str]) -> None:
    page.check(f"#pack-form input[name=commune][value='{commune[0]}']")  # the list's code, shown by its name
    page.click("#pack-form button[type=submit]")
    page.wait_for_selector("#pack-status:has-text('Gói dữ liệu thực địa trên điện thoại này')")


def _photo(path: Path) -> Path:
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(path, "JPEG", quality=90)
    return path


def _outbox_count(page: Any) -> str:
    return page.locator("#outbox-status").inner_text()


def test_offline_inspection_with_a_suspension_arrives_once_after_a_restart(phone, live_server, live_db, tmp_path):
    commune = ("01879", "Xã Cao Minh")
    batch, code = _field_batch(live_db, commune, "4609990101", "FIELD-01")
    video = _y4m(f"{live_server.url}/c/{code}", Path(_RUN_DIR) / "field-qr.y4m")

    context = phone(camera=video)
    page = _page(context)
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    _open_field_page(page)
    _prepare_pack(page, commune)

    # the consumer's page is outside the service worker's scope: never served or kept by it
    public = context.new_page()
    answer = public.goto(f"/c/{code}")
    assert answer.ok and not answer.from_service_worker
    assert public.evaluate("navigator.serviceWorker.controller") is None
    assert public.locator("script").count() == 0
    kept = page.evaluate(
        "caches.keys().then(ns => Promise.all(ns.map(n => caches.open(n).then(c => c.keys()))))"
        ".then(lists => lists.flat().map(r => new URL(r.url).pathname))"
    )
    assert kept and all(p.startswith(("/inspect/", "/static/")) for p in kept), kept
    public.close()

    # no signal: the page opens from the service worker, the pack from IndexedDB
    context.set_offline(True)
    reloaded = page.reload()
    assert reloaded.from_service_worker
    assert "FIELD-01" not in page.locator("#field-record").inner_text()
    assert "1 lô hàng" in page.locator("#pack-status").inner_text()
    assert "Xã Cao Minh" in page.locator("#pack-status").inner_text()

    # a code outside the pack is unknown offline, never called a fake
    page.fill("#f-q", "7KQ2-M9XH-4TAB-C")
    page.click("#find-form button[type=submit]")
    page.wait_for_function("document.querySelector('#find-message').textContent.trim() !== ''")  # read from IndexedDB
    message = page.locator("#find-message").inner_text()
    assert "Chưa rõ khi ngoại tuyến" in message and "giả" not in message

    # the camera reads the package's QR code (jsQR comes from the service worker's cache)
    page.click("#scan-start")
    page.wait_for_selector("#record-title:has-text('FIELD-01')")

    page.select_option("#f-result", "violation")
    page.fill("#f-findings", "Dư lượng thuốc bảo vệ thực vật nghi vượt ngưỡng")
    page.fill("#f-sample-code-0", "TD-01")
    page.fill("#f-sample-lab-0", "Trung tâm Kiểm nghiệm Thái Nguyên")
    page.fill("#f-latitude", "21,57381")
    page.fill("#f-longitude", "105,75842")
    page.set_input_files("#f-photos", str(_photo(tmp_path / "IMG_0001.jpg")))
    page.select_option("#f-request", "suspend")
    page.fill("#f-reason", "Chờ kết quả kiểm nghiệm dư lượng")
    page.click("#field-form button[type=submit]")
    page.wait_for_selector("#form-message:has-text('Đã lưu trên điện thoại này')")
    assert "Đang chờ gửi: 1" in _outbox_count(page)
    assert "Không có sóng" in page.locator("#net-status").inner_text()
    screenshot(page, "field-offline-saved")
    context.close()

    # the phone is put away and taken out again, still without signal: everything is still there
    context = phone()
    context.set_offline(True)
    page = _page(context)
    page.goto("/inspect/field/")
    page.wait_for_selector("#outbox-status:has-text('Đang chờ gửi: 1')")
    assert "Đã yêu cầu tạm dừng" in page.locator("#outbox").inner_text()
    assert live_db.scalar(select(Inspection).where(Inspection.batch_id == batch.id)) is None
    live_db.rollback()  # let go of SQLite's write lock before the browser writes

    # the signal is back; the first send reaches the server but its answer is lost
    sent: list[int] = []

    def _lose_first_answer(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch()
        sent.append(answer.status)
        if len(sent) == 1:
            route.abort()  # the server has it; the phone hears nothing
        else:
            route.fulfill(response=answer)

    context.route("**/inspect/field/inspections", _lose_first_answer)
    _signal_back(context, page)
    _open_field_page(page)  # the page sends what waits as soon as it opens with signal
    for _ in range(60):
        if sent:
            break
        page.wait_for_timeout(500)
    assert sent == [201]  # the server recorded it; the phone never heard so
    page.wait_for_selector("#outbox-status:has-text('Đang chờ gửi: 1')")  # so it keeps the record
    page.click("#send-now")  # the inspector (or the page's timer) sends again: the same key
    page.wait_for_selector("#outbox-status:has-text('Không có gì đang chờ gửi')")
    assert sent == [201, 200]  # the repeat found the first: answered with it, nothing added
    assert page.evaluate("idbKeyval.keys()") == ["pack"]  # confirmed, so removed from the phone

    live_db.expire_all()
    inspections = list(live_db.scalars(select(Inspection).where(Inspection.batch_id == batch.id)))
    assert len(inspections) == 1
    inspection = inspections[0]
    assert inspection.client_key and len(inspection.photos) == 1
    assert inspection.samples[0].sample_code == "TD-01" and inspection.latitude == Decimal("21.573810")
    assert live_db.get(Batch, batch.id).status == BatchStatus.SUSPENDED

    consumer = context.new_page()
    consumer.goto(f"/c/{code}")
    assert "tạm dừng" in consumer.locator("main").inner_text()
    screenshot(consumer, "field-offline-consumer-suspended")


def test_a_recall_requested_offline_on_a_batch_that_changed_waits_for_the_inspector(phone, live_db):
    commune = ("01882", "Xã Nghiên Loan")
    batch, code = _field_batch(live_db, commune, "4609990102", "FIELD-02")
    # made from a lot of another commune that was recalled, and a consumer's report still open
    upstream, _code = _field_batch(live_db, ("01894", "Xã Phúc Lộc"), "4609990103", "FIELD-UP")
    upstream = live_db.get(Batch, upstream.id)
    upstream.status, upstream.status_reason, upstream.status_changed_at = BatchStatus.RECALLED, "Nhiễm chì", utcnow()
    live_db.add(BatchInput(batch_id=batch.id, input_batch_id=upstream.id, quantity=Decimal(5)))
    live_db.add(
        ConsumerReport(receipt="FIELDRPT0001", batch_id=batch.id, kind=ReportKind.QUALITY, message="Chè có mùi khét")
    )
    live_db.commit()
    context = phone()
    page = _page(context)
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    _open_field_page(page)
    _prepare_pack(page, commune)

    context.set_offline(True)
    page.reload()
    page.fill("#f-q", grouped(code).lower())  # typed as printed under the QR
    page.click("#find-form button[type=submit]")
    page.wait_for_selector("#record-title:has-text('FIELD-02')")
    # offline, the record warns of the recalled input and shows the open report, in Vietnamese
    warning = page.locator("#field-record .upstream").inner_text()
    assert "Cảnh báo về nguyên liệu đầu vào" in warning and "FIELD-UP" in warning and "thu hồi" in warning
    assert "Nhiễm chì" in warning and "HTX Chè Xã Phúc Lộc" in warning
    reports = page.locator("#field-record").inner_text()
    assert "Phản ánh của người tiêu dùng chưa xử lý" in reports and "Chè có mùi khét" in reports
    screenshot(page, "field-offline-upstream-warning")
    page.select_option("#f-result", "violation")
    page.fill("#f-findings", "Bao bì giả mạo nhãn hiệu")
    page.select_option("#f-request", "recall")
    page.click("#field-form button[type=submit]")
    page.wait_for_selector("#outbox-status:has-text('Đang chờ gửi: 1')")

    # meanwhile another inspector suspended the batch
    live_db.expire_all()
    changed = live_db.get(Batch, batch.id)
    changed.status = BatchStatus.SUSPENDED
    changed.status_reason = "Kiểm tra chéo của Chi cục Quản lý thị trường"
    changed.status_changed_at = utcnow()
    live_db.commit()

    _signal_back(context, page)
    page.click("#send-now")
    page.wait_for_selector("#outbox .conflict")
    text = page.locator("#outbox").inner_text()
    assert "Lô hàng đã thay đổi" in text and "Kiểm tra chéo" in text
    live_db.expire_all()
    assert live_db.get(Batch, batch.id).status == BatchStatus.SUSPENDED  # held, not applied
    live_db.rollback()  # let go of SQLite's write lock before the browser writes
    screenshot(page, "field-offline-conflict")

    page.click("#outbox .decide-apply")
    page.wait_for_selector("#outbox-status:has-text('Không có gì đang chờ gửi')")
    live_db.expire_all()
    assert live_db.get(Batch, batch.id).status == BatchStatus.RECALLED
    inspection = live_db.scalar(select(Inspection).where(Inspection.batch_id == batch.id))
    assert inspection.action.value == "recall" and inspection.held_action is None
    live_db.rollback()  # let go of SQLite's write lock before the browser writes


def test_a_record_the_server_refuses_shows_why_and_can_be_discarded(phone, live_db):
    commune = ("01921", "Xã Thượng Minh")
    batch, _code = _field_batch(live_db, commune, "4609990104", "FIELD-03")
    context = phone()
    page = _page(context)
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    _open_field_page(page)
    _prepare_pack(page, commune)

    context.set_offline(True)
    page.fill("#f-q", "FIELD-03")
    page.click("#find-form button[type=submit]")
    page.wait_for_selector("#record-title:has-text('FIELD-03')")
    page.select_option("#f-result", "compliant")
    page.fill("#f-sample-code-0", "MAU-" + "9" * 70)  # longer than a sample code may be
    page.set_input_files("#f-photos", str(_photo(Path(_RUN_DIR) / "IMG_0003.jpg")))
    page.click("#field-form button[type=submit]")
    page.wait_for_selector("#outbox-status:has-text('Đang chờ gửi: 1')")

    _signal_back(context, page)
    page.click("#send-now")
    page.wait_for_selector("#outbox .discard")
    item = page.locator("#outbox").inner_text()
    assert "Máy chủ từ chối" in item and "samples 1 sample_code" in item  # the reason, and the field it is about
    screenshot(page, "field-offline-refused")

    # the inspector changes their mind at the confirmation: nothing is removed
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#outbox .discard")
    page.wait_for_timeout(300)
    assert page.locator("#outbox .discard").count() == 1
    assert sorted(k.split(":")[0] for k in page.evaluate("idbKeyval.keys()")) == ["inspection", "pack", "photo"]

    messages: list[str] = []

    def _accept(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", _accept)
    page.click("#outbox .discard")
    page.wait_for_selector("#outbox-status:has-text('Không có gì đang chờ gửi')")
    assert "Xóa bản ghi này" in messages[0]
    assert page.evaluate("idbKeyval.keys()") == ["pack"]  # the record and its photo are gone from the phone
    assert live_db.scalar(select(Inspection).where(Inspection.batch_id == batch.id)) is None
