import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.interop.conftest import epcis_validator  # noqa: F401  (the official EPCIS schema)
from traceability.accounts.models import OrgKind, Role
from traceability.batches.models import Batch, BatchStatus
from traceability.registry.models import SiteKind

SHIPPED_ON = dt.date(2026, 10, 5)


@dataclass
class Chain:
    coop: Any
    shop: Any
    coop_user: Any
    shop_user: Any
    lot: Any  # the cooperative's published lot of dried tea, 100 kg
    shop_site: Any
    coop_api: Any
    shop_api: Any


@pytest.fixture
def chain(make_org, make_user, make_batch, make_site, make_product, api_as) -> Chain:
    coop = make_org(name="HTX Chè Tân Cương")
    shop = make_org(name="Cửa hàng Chè Hà Nội", kind=OrgKind.ENTERPRISE, province="Hà Nội", commune="Hoàn Kiếm")
    coop_user, shop_user = make_user(Role.PRODUCER, coop), make_user(Role.PRODUCER, shop)
    lot = make_batch(coop, status=BatchStatus.PUBLISHED, lot_code="CTK-1", quantity=Decimal("100"))
    shop_site = make_site(
        shop, kind=SiteKind.WAREHOUSE, name="Cửa hàng Hàng Đào", province="Hà Nội", commune="Hoàn Kiếm", area_code=None
    )
    return Chain(coop, shop, coop_user, shop_user, lot, shop_site, api_as(coop_user), api_as(shop_user))


@pytest.fixture
def ship(chain):
    """Ship from the cooperative's lot as the API takes it; returns the response."""

    def _ship(**values):
        data = {
            "batch_id": chain.lot.id,
            "to_tax_code": chain.shop.tax_code,
            "quantity": "30",
            "shipped_on": SHIPPED_ON.isoformat(),
            "reference_doc": "PX-0001",
        }
        data.update(values)
        return chain.coop_api.post("/api/v1/shipments", json=data)

    return _ship


@pytest.fixture
def accept(chain):
    def _accept(shipment_id, api=None, **values):
        data = {"received_on": "2026-10-06"}
        data.update(values)
        return (api or chain.shop_api).post(f"/api/v1/shipments/{shipment_id}/accept", json=data)

    return _accept


@pytest.fixture
def tea(chain, make_product, make_batch, make_site, db_session):
    """Two households deliver leaves; the cooperative dries them into a lot, ships 30 kg; the shop accepts."""
    leaves = make_product(chain.coop, name="Chè búp tươi")
    lots = []
    for name, area in (("Hộ Nguyễn Văn An", "VN-TNTC-0012"), ("Hộ Lê Thị Bình", "VN-TNTC-0013")):
        supplier = chain.coop_api.post(
            "/api/v1/suppliers", json={"name": name, "phone": "0912345678", "commune": "Tân Cương", "area_code": area}
        ).json
        delivery = chain.coop_api.post(
            "/api/v1/deliveries",
            json={
                "supplier_id": supplier["id"],
                "product_id": leaves.id,
                "quantity": "200",
                "received_on": "2026-09-28",
                "harvested_on": "2026-09-28",
            },
        ).json
        lots.append(db_session.get(Batch, delivery["batch_id"]))
    dried = make_batch(
        chain.coop,
        status=BatchStatus.PUBLISHED,
        lot_code="CTK-DRY",
        quantity=Decimal("100"),
        produced_on=dt.date(2026, 10, 1),
        inputs=[(lots[0], 200), (lots[1], 200)],
    )
    shipment = chain.coop_api.post(
        "/api/v1/shipments",
        json={
            "batch_id": dried.id,
            "to_tax_code": chain.shop.tax_code,
            "quantity": "30",
            "shipped_on": "2026-10-05",
            "reference_doc": "HD-0042",
            "to_site_id": chain.shop_site.id,
        },
    ).json
    received = chain.shop_api.post(f"/api/v1/shipments/{shipment['id']}/accept", json={"received_on": "2026-10-06"})
    shop_lot = db_session.get(Batch, received.json["batch_id"])
    return {"households": lots, "dried": dried, "shop_lot": shop_lot, "shipment": shipment}
