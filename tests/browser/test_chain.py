"""The chain across organisations in a browser: households deliver leaves to the cooperative, which dries them
into a lot and ships part of it to a shop in Hà Nội; the shop accepts; the consumer page of the shop's lot tells
the chain. Then an inspector recalls one household's delivery: the shop's consumer page shows it at once and the
shop's workspace warns it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from traceability.accounts.models import Organization
from traceability.batches.models import Batch
from traceability.codes.services import lot_code_for
from traceability.demo import DEMO_PASSWORD
from traceability.registry.models import Product, Site
from traceability.shipments.models import Delivery, Shipment, Supplier

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _switch(page, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, email, DEMO_PASSWORD)
    page.wait_for_url("**/")


def test_households_to_a_shop_then_a_recall_upstream(page, live_db):
    coop = live_db.scalar(select(Organization).where(Organization.tax_code == "4601234567"))
    shop = live_db.scalar(select(Organization).where(Organization.tax_code == "0109876543"))
    leaves = live_db.scalar(select(Product).where(Product.organization_id == coop.id, Product.gtin.is_(None)))
    dried = live_db.scalar(select(Product).where(Product.organization_id == coop.id, Product.gtin.is_not(None)))
    factory = live_db.scalar(select(Site).where(Site.organization_id == coop.id, Site.name == "Xưởng sao chè HTX"))
    households = live_db.execute(
        select(Supplier.id, Supplier.name).where(Supplier.organization_id == coop.id).order_by(Supplier.name)
    ).all()[:2]
    ids = {"coop": coop.id, "leaves": leaves.id, "dried": dried.id, "factory": factory.id, "shop_tax": shop.tax_code}
    names = {"coop": coop.name, "shop": shop.name}
    live_db.rollback()  # and read nothing lazily afterwards: the session would hold SQLite's write lock

    # the cooperative records two households' deliveries
    _switch(page, "htx.tancuong@example.org")
    for n, household in enumerate(households):
        page.goto("/app/deliveries/new")
        page.select_option("#f-supplier_id", str(household.id))
        page.select_option("#f-product_id", str(ids["leaves"]))
        page.fill("#f-quantity", "40")
        page.fill("#f-received_on", "2026-11-20")
        page.fill("#f-reference_doc", f"BR-PN-{n}")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/app/batches/*")
    lots = [live_db.scalar(select(Delivery.batch_id).where(Delivery.reference_doc == f"BR-PN-{n}")) for n in range(2)]
    live_db.rollback()

    # … dries them into one lot and publishes it
    page.goto("/app/batches/new")
    page.select_option("#f-product_id", str(ids["dried"]))
    page.select_option("#f-site_id", str(ids["factory"]))
    page.fill("#f-lot_code", "BR-TC-CHAIN")
    page.fill("#f-quantity", "16")
    page.fill("#f-produced_on", "2026-11-21")
    for n, lot in enumerate(lots, start=1):
        page.select_option(f"#f-input_{n}_batch", str(lot))
        page.fill(f"#f-input_{n}_quantity", "40")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/batches/*")
    page.click("#publish")
    page.wait_for_selector("#publish", state="detached")

    # … and ships 10 kg to the shop
    dried_lot = live_db.scalar(
        select(Batch.id).where(Batch.organization_id == ids["coop"], Batch.lot_code == "BR-TC-CHAIN")
    )
    live_db.rollback()
    page.goto("/app/shipments/new")
    page.select_option("#f-batch_id", str(dried_lot))
    page.fill("#f-to_tax_code", ids["shop_tax"])
    page.fill("#f-quantity", "10")
    page.fill("#f-shipped_on", "2026-11-22")
    page.fill("#f-reference_doc", "BR-PXK-1")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/app/shipments/*")

    # the shop sees it arrive and accepts it
    _switch(page, "cuahang.phoco@example.org")
    page.goto("/app/shipments")
    page.click("text=BR-TC-CHAIN")
    page.click("text=Nhận hàng")
    page.fill("#f-received_on", "2026-11-23")
    page.fill("#f-quantity", "10")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Lô nhận về của bạn")
    shipment = live_db.scalar(select(Shipment).where(Shipment.reference_doc == "BR-PXK-1"))
    code = lot_code_for(live_db, shipment.received_batch).value
    delivery_lot = live_db.get(Batch, lots[0]).lot_code
    delivery_id = lots[0]
    live_db.rollback()

    # the consumer page of the shop's lot tells the chain, farm to shelf
    page.goto(f"/c/{code}")
    chain = page.locator("#chain").inner_text()
    for name in (households[0].name, households[1].name, names["coop"], names["shop"]):
        assert name in chain
    assert f"theo kê khai của {names['coop']}" in chain
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "consumer-chain")

    # an inspector recalls one household's delivery …
    _switch(page, "thanhtra@example.org")
    page.goto(f"/inspect/batches/{delivery_id}")
    page.select_option("#st-action", "recall")
    page.fill("#st-reason", "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#batch-status:has-text('Đã thu hồi')")

    # … the shop's consumer page shows it at once, naming the delivery
    page.goto(f"/c/{code}")
    assert "Đã thu hồi" in page.locator(".verdict-line").inner_text()
    assert delivery_lot in page.locator(".warnings .w-recall").inner_text()
    screenshot(page, "consumer-chain-recalled")

    # … and the shop's workspace warns it
    _switch(page, "cuahang.phoco@example.org")
    page.goto("/app/shipments")
    alert = page.locator("[role=alert]").first.inner_text()
    assert delivery_lot in alert and "thu hồi" in alert
