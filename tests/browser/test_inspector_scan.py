"""The camera scanner: Chromium's fake camera plays a video of a package's QR code, the page reads it.

Debian's Chromium has no BarcodeDetector on Linux, so this exercises the vendored jsQR decoder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import qrcode
from PIL import Image
from sqlalchemy import select

from traceability.accounts.models import Organization
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import issue_lot_code
from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product

from ..conftest import _RUN_DIR
from .conftest import CHROMIUM_ARGS, sign_in

pytestmark = pytest.mark.browser


def _y4m(text: str, path: Path, frames: int = 5) -> Path:
    """A short 640×480 video (YUV 4:2:0) of a QR code on white, as Chromium's fake camera plays it."""
    qr = qrcode.make(text, box_size=8, border=4).get_image().convert("L")
    qr = qr.resize((400, 400), Image.NEAREST)
    canvas = Image.new("L", (640, 480), 255)
    canvas.paste(qr, (120, 40))
    luma = canvas.tobytes()
    chroma = bytes([128]) * (320 * 240)  # no colour
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def _only_loopback(route: Any) -> None:
    host = urlsplit(route.request.url).hostname
    if host in {"127.0.0.1", "localhost"}:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def camera_page(browser, live_server, live_db) -> Iterator[tuple[Any, Batch]]:
    batch = live_db.scalar(select(Batch).where(Batch.lot_code == "SCAN-01"))
    if batch is None:
        org = live_db.scalar(select(Organization).where(Organization.tax_code == "4607654321"))  # demo pig farm
        product = live_db.scalar(select(Product).where(Product.organization_id == org.id))
        batch = Batch(
            organization=org, product=product, lot_code="SCAN-01", quantity=20, unit="kg", status=BatchStatus.PUBLISHED
        )
        live_db.add(batch)
        live_db.flush()
    code = issue_lot_code(live_db, batch)
    live_db.commit()
    video = _y4m(f"{live_server.url}/c/{code.value}", Path(_RUN_DIR) / "qr.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    # a second Chromium with the fake camera, started by the suite's own Playwright
    camera_browser = browser.browser_type.launch(executable_path=executable, args=args)
    context = camera_browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(15_000)
    context.route("**/*", _only_loopback)
    yield context.new_page(), batch
    camera_browser.close()


def test_inspector_scans_a_qr_code_with_the_camera(camera_page):
    page, batch = camera_page
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.goto("/inspect/find")
    page.click("#scan-start")
    page.wait_for_url(f"**/inspect/batches/{batch.id}")
    assert "SCAN-01" in page.locator("h1").inner_text()
