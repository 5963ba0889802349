"""An inspector in the field: types a code, records a violation with a recall, sees who is affected.

The downstream batch keeps its own status; both the inspector's list of affected batches and the consumer's
page of the downstream batch show the recall at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from traceability.accounts.models import Organization
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.codes.identifiers import grouped
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.demo import DEMO_PASSWORD
from traceability.inspection.models import Inspection, InspectionAction
from traceability.registry.models import Product, Site

from ..conftest import _RUN_DIR
from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _phone_photo(path: Path) -> Path:
    """A 4000×3000 camera-sized photo: a few megabytes."""
    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    noise.save(path, "JPEG", quality=95)
    return path


def _publish(session, org, product, site, lot: str, inputs=()) -> Batch:
    batch = session.scalar(select(Batch).where(Batch.organization_id == org.id, Batch.lot_code == lot))
    if batch is None:
        batch = Batch(
            organization=org,
            product=product,
            site=site,
            lot_code=lot,
            quantity=Decimal(50),
            unit="kg",
            harvested_on=dt.date(2026, 10, 2),
            status=BatchStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        for source in inputs:
            session.add(BatchInput(batch_id=batch.id, input_batch_id=source.id, quantity=Decimal(25)))
    issue_lot_code(session, batch)
    return batch


def test_inspector_types_a_code_records_a_violation_with_a_recall(page, live_db):
    org = live_db.scalar(select(Organization).where(Organization.tax_code == "4601234567"))
    leaf_product = live_db.scalar(select(Product).where(Product.organization_id == org.id, Product.gtin.is_(None)))
    dried = live_db.scalar(select(Product).where(Product.organization_id == org.id, Product.gtin.is_not(None)))
    hill = live_db.scalar(select(Site).where(Site.organization_id == org.id, Site.name == "Đồi chè Hồng Thái"))
    leaf = _publish(live_db, org, leaf_product, hill, "BR-LEAF-01")
    box = _publish(live_db, org, dried, hill, "BR-DRY-01", inputs=[leaf])
    code = issue_lot_code(live_db, leaf).value
    live_db.commit()

    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.goto("/inspect/find")
    page.fill("#f-q", grouped(code).lower())  # typed on a phone, as printed under the QR
    page.click("#find-form button[type=submit]")
    page.wait_for_url(f"**/inspect/batches/{leaf.id}")
    assert "BR-LEAF-01" in page.locator("h1").inner_text()

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 21.57381, "longitude": 105.75842})
    page.click("#locate")
    page.wait_for_function("document.querySelector('#f-latitude').value !== ''")
    page.select_option("#f-result", "violation")
    page.fill("#f-findings", "Phát hiện dư lượng Carbendazim vượt ngưỡng trong mẫu búp tươi.")
    page.fill("#f-sample-code-0", "TN-2026-1127")
    page.fill("#f-sample-lab-0", "Trung tâm Kiểm nghiệm Thái Nguyên")
    photo = _phone_photo(Path(_RUN_DIR) / "IMG_2041.jpg")
    page.set_input_files("#f-photos", str(photo))
    page.wait_for_selector("#f-photos[data-shrunk=true]")  # shrunk in the browser before the upload
    assert page.evaluate("document.querySelector('#f-photos').files[0].size") < photo.stat().st_size / 2
    page.select_option("#f-action", "recall")
    page.fill("#f-reason", "Dư lượng Carbendazim vượt ngưỡng")
    page.click("#inspect-form button[type=submit]")

    page.wait_for_selector("#affected")
    assert page.locator("#batch-status").inner_text() == "Đã thu hồi"
    affected = page.locator("#affected tr.affected-batch")
    assert affected.count() == 1
    assert "BR-DRY-01" in affected.first.inner_text()
    assert org.name in affected.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "inspector-recall")

    live_db.expire_all()
    recalled = live_db.get(Batch, leaf.id)
    assert recalled.status == BatchStatus.RECALLED
    assert recalled.status_reason == "Dư lượng Carbendazim vượt ngưỡng"
    inspection = live_db.scalar(select(Inspection).where(Inspection.batch_id == leaf.id))
    assert inspection.action == InspectionAction.RECALL and len(inspection.photos) == 1
    assert inspection.latitude is not None
    assert live_db.get(Batch, box.id).status == BatchStatus.PUBLISHED  # its page derives the warning

    # the consumer scanning the downstream box sees the recall at once, naming the recalled input
    page.goto(f"/c/{issue_lot_code(live_db, box).value}")
    assert "Đã thu hồi" in page.locator(".verdict-line").inner_text()
    assert "BR-LEAF-01" in page.locator(".warnings .w-recall").inner_text()
    screenshot(page, "public-downstream-of-recall")

    page.goto(f"/inspect/batches/{box.id}")
    assert "BR-LEAF-01" in page.locator("[role=alert]").first.inner_text()


@pytest.mark.parametrize("path", ["/inspect/", "/inspect/queue", "/inspect/report", "/inspect/find?q=chè"])
def test_inspector_pages_fit_a_phone(page, path):
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/inspect/")
    page.goto(path)
    assert page.locator("h1").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "inspector" + path.replace("/", "-").split("?")[0].rstrip("-"))
