import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from traceability.accounts.models import OrgKind, Role
from traceability.batches.models import BatchStatus
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
