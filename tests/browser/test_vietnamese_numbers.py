"""Numbers, days and names as a Vietnamese reader reads them, in a phone-sized Chromium, with screenshots."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from traceability.accounts.models import Organization, User
from traceability.batches.models import Amendment, Batch, BatchStatus
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product, Site

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
TEA_TAX_CODE = "4601234567"  # the demo's tea cooperative
PRODUCER = "htx.tancuong@example.org"


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_consumer_page_reads_quantities_areas_and_amendments_with_a_decimal_comma(page, live_db):
    org = live_db.scalar(select(Organization).where(Organization.tax_code == TEA_TAX_CODE))
    product = live_db.scalar(select(Product).where(Product.organization_id == org.id))
    site = live_db.scalar(select(Site).where(Site.organization_id == org.id, Site.name == "Đồi chè Hồng Thái"))
    site.area_ha = Decimal("2.5000")
    user = live_db.scalar(select(User).where(User.email == PRODUCER))
    batch = Batch(
        organization_id=org.id,
        product_id=product.id,
        site_id=site.id,
        lot_code=f"N-{uuid.uuid4().hex[:8].upper()}",
        quantity=Decimal("180.500"),
        unit="túi",
        harvested_on=dt.date(2026, 10, 5),
        status=BatchStatus.PUBLISHED,
        published_at=utcnow(),
    )
    live_db.add(batch)
    live_db.flush()
    live_db.add(
        Amendment(
            batch_id=batch.id, field="quantity", old_value="200", new_value="180.5", reason="Cân lại", user_id=user.id
        )
    )
    code = issue_lot_code(live_db, batch)
    live_db.commit()

    page.goto(f"/c/{code.value}")
    text = page.locator("main").inner_text()
    assert "180,5 túi" in text and "180.500" not in text  # not one hundred and eighty thousand five hundred
    assert "2,5 ha" in text and "2.5000" not in text
    assert "05/10/2026" in text  # a four-digit year, day first
    assert "Số lượng 200 → 180,5" in page.locator("#amendments").inner_text()
    assert "quantity" not in text
    assert _fits_the_phone(page)
    screenshot(page, "vi-consumer-numbers")


def test_a_site_typed_with_decimal_commas_on_a_phone(page, live_db):
    sign_in(page, PRODUCER, DEMO_PASSWORD)
    page.goto("/app/sites/new")
    options = page.locator("#f-kind option").all_inner_texts()
    assert "Cơ sở chế biến" in options and not any("facility" in o or "area" in o for o in options)
    name = f"Đồi chè {uuid.uuid4().hex[:6]}"
    page.select_option("#f-kind", "growing_area")
    page.fill("#f-name", name)
    page.fill("#f-commune", "Tân Cương")
    page.fill("#f-latitude", "21,4912")
    page.fill("#f-longitude", "105,7841")
    page.fill("#f-area_ha", "2,5")
    screenshot(page, "vi-site-form-decimal-comma")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert page.url.endswith("/app/sites"), page.locator("main").inner_text()
    card = page.locator(".card", has_text=name)
    assert "2,5 ha" in card.inner_text()
    assert _fits_the_phone(page)
    screenshot(page, "vi-sites-area")
    saved = live_db.scalar(select(Site).where(Site.name == name))
    assert (float(saved.latitude), float(saved.area_ha)) == (21.4912, 2.5)


def test_sign_up_names_organisation_kinds_in_vietnamese(page):
    page.goto("/signup")
    options = page.locator("select option").all_inner_texts()
    assert "Hợp tác xã" in options
    assert not {"Cooperative", "Enterprise", "Household", "Farm"} & set(options)
    assert _fits_the_phone(page)
    screenshot(page, "vi-signup-kinds")
