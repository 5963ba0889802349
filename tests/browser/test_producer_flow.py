"""A producer on a phone: site, product, batch, a spraying record that breaks its interval, correction, publishing."""

import datetime as dt

import pytest
from sqlalchemy import select

from traceability.batches.models import Batch, BatchStatus, PublishAttempt
from traceability.demo import DEMO_PASSWORD

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def vi(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")  # as Vietnamese pages write a day


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_producer_records_a_batch_is_refused_corrects_it_and_publishes(page, live_db):
    sign_in(page, "htx.tancuong@example.org", DEMO_PASSWORD)
    page.wait_for_url("**/app/")

    page.goto("/app/sites/new")
    page.select_option("#f-kind", "growing_area")
    page.fill("#f-name", "Đồi chè Khuôn Gà")
    # the province's communes in a select, grouped into wards and communes; the organisation's is preselected
    assert page.locator("#f-commune_code optgroup").count() == 2
    assert page.locator("#f-commune_code option:checked").inner_text() == "Xã Tân Cương"
    page.select_option("#f-commune_code", label="Phường Bá Xuyên")
    page.fill("#f-area_code", "VN-TNTC-0031")
    page.fill("#f-latitude", "21.561200")
    page.fill("#f-longitude", "105.742300")
    page.fill("#f-area_ha", "1.8")
    assert fits_the_phone(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/sites")
    assert page.get_by_text("Đồi chè Khuôn Gà").is_visible()

    page.goto("/app/products/new")
    page.fill("#f-name", "Chè móc câu Khuôn Gà")
    page.select_option("#f-category", "tea")  # the list of categories, the province's key products first
    assert page.locator("#f-category option").nth(1).inner_text() == "Chè"
    page.fill("#f-unit", "kg")
    page.fill("#f-shelf_life_days", "365")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/products")

    page.goto("/app/batches/new")
    page.select_option("#f-product_id", label="Chè móc câu Khuôn Gà")
    page.select_option("#f-site_id", label="Đồi chè Khuôn Gà")
    page.fill("#f-quantity", "80")
    page.fill("#f-harvested_on", "2026-10-10")
    assert fits_the_phone(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/batches/*")
    lot_code = page.locator("h1").inner_text().split()[0]

    page.click("#form-chemical summary")
    page.fill("#form-chemical #f-applied_on", "2026-10-05")
    page.fill("#form-chemical #f-trade_name", "Actara 25WG")
    page.fill("#form-chemical #f-active_ingredient", "Thiamethoxam 25%")
    page.select_option("#form-chemical #f-purpose", "insecticide")
    page.fill("#form-chemical #f-phi_days", "7")
    # the problem shows while typing, before anything is saved
    live = page.locator("#check-chemical")
    live.get_by_text(vi(dt.date(2026, 10, 12)), exact=False).wait_for()
    assert vi(dt.date(2026, 10, 10)) in live.inner_text()
    page.click("#form-chemical button[type=submit]")
    page.wait_for_selector("#problems")

    page.click("#publish")
    problems = page.locator("#problems").inner_text()
    # the refusal names the application date, the first allowed harvest day and the harvest date
    for day in (dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 10)):
        assert vi(day) in problems, (vi(day), problems)
    assert page.locator(".flash.error").is_visible()
    assert fits_the_phone(page)
    screenshot(page, "producer-publish-refused")

    page.click("a[href$='/edit']")
    page.fill("#f-harvested_on", "2026-10-12")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/batches/*")
    assert page.locator("#problems").count() == 0
    page.click("#publish")
    page.wait_for_selector(".badge.published")
    screenshot(page, "producer-published")

    batch = live_db.scalar(select(Batch).where(Batch.lot_code == lot_code))
    assert batch.status == BatchStatus.PUBLISHED and batch.harvested_on == dt.date(2026, 10, 12)
    assert batch.expires_on == dt.date(2027, 10, 12)  # the suggested expiry followed the corrected harvest
    attempts = live_db.scalars(select(PublishAttempt.is_accepted).where(PublishAttempt.batch_id == batch.id)).all()
    assert attempts == [False, True]
