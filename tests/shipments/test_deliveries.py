"""Suppliers without an account (households, member farms) and their deliveries as received lots."""

from decimal import Decimal

from sqlalchemy import func, select

from traceability.batches.models import Batch, BatchStatus
from traceability.shipments.models import Delivery


def _supplier(api, **values):
    data = {
        "name": "Hộ Nguyễn Văn An",
        "id_number": "019080001234",
        "phone": "0912 345 678",
        "commune": "Tân Cương",
        "address": "Xóm Hồng Thái 2",
        "area_code": "VN-TNTC-0012",
        "latitude": "21.5712",
        "longitude": "105.7390",
    }
    data.update(values)
    return api.post("/api/v1/suppliers", json=data)


def test_a_delivery_is_a_received_lot_attributed_to_the_households_planting_area(chain, make_product, db_session):
    supplier = _supplier(chain.coop_api)
    assert supplier.status_code == 201, supplier.json
    leaves = make_product(chain.coop, name="Chè búp tươi", unit="kg")
    answer = chain.coop_api.post(
        "/api/v1/deliveries",
        json={
            "supplier_id": supplier.json["id"],
            "product_id": leaves.id,
            "quantity": "42.5",
            "received_on": "2026-10-02",
            "harvested_on": "2026-10-02",
            "reference_doc": "PN-12",
        },
    )
    assert answer.status_code == 201, answer.json
    lot = db_session.get(Batch, answer.json["batch_id"])
    assert lot.organization_id == chain.coop.id and lot.quantity == Decimal("42.5")
    assert lot.status == BatchStatus.PUBLISHED  # the cooperative is verified: usable and recallable at once
    assert answer.json["area_code"] == "VN-TNTC-0012"
    # a later change to the supplier does not rewrite the delivery's planting area
    patched = chain.coop_api.patch(f"/api/v1/suppliers/{supplier.json['id']}", json={"area_code": "VN-TNTC-0099"})
    assert patched.status_code == 200 and patched.json["area_code"] == "VN-TNTC-0099"
    assert db_session.scalar(select(Delivery.area_code)) == "VN-TNTC-0012"


def test_suppliers_are_the_organisations_own(chain, make_user, make_org, api_as):
    mine = _supplier(chain.coop_api).json
    assert [s["id"] for s in chain.coop_api.get("/api/v1/suppliers").json] == [mine["id"]]
    assert chain.shop_api.get("/api/v1/suppliers").json == []
    assert chain.shop_api.get(f"/api/v1/suppliers/{mine['id']}").status_code == 404
    assert chain.shop_api.patch(f"/api/v1/suppliers/{mine['id']}", json={"name": "X"}).status_code == 404


def test_bad_suppliers_and_deliveries_are_refused_naming_the_field(chain, make_product, db_session):
    assert "id_number" in _supplier(chain.coop_api, id_number=None, phone=None).json["errors"]["json"]
    assert "area_code" in _supplier(chain.coop_api, area_code="VN TN ?").json["errors"]["json"]
    no_area = _supplier(chain.coop_api, area_code=None).json
    leaves = make_product(chain.coop, name="Chè búp tươi")
    before = db_session.scalar(select(func.count()).select_from(Batch))

    def deliver(**values):
        data = {"supplier_id": no_area["id"], "product_id": leaves.id, "quantity": "10", "received_on": "2026-10-02"}
        data.update(values)
        answer = chain.coop_api.post("/api/v1/deliveries", json=data)
        assert answer.status_code == 422, answer.json
        return answer.json["errors"]["json"]

    assert "vùng trồng" in deliver()["supplier_id"][0]  # a delivery from an unknown planting area
    good = _supplier(chain.coop_api, name="Hộ Lê Thị Bình").json
    assert "supplier_id" in deliver(supplier_id=good["id"] + 1000)
    assert "product_id" in deliver(supplier_id=good["id"], product_id=chain.lot.product_id + 1000)
    assert "harvested_on" in deliver(supplier_id=good["id"], harvested_on="2026-10-03")
    assert "quantity" in deliver(supplier_id=good["id"], quantity="-1")
    assert db_session.scalar(select(func.count()).select_from(Batch)) == before
