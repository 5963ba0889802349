"""The workspace pages: shipping a lot, the buyer accepting or refusing it, suppliers and deliveries."""

from sqlalchemy import select

from traceability.batches.models import Batch
from traceability.shipments.models import Delivery, Shipment, ShipmentStatus, Supplier

EN = {"Accept-Language": "en"}


def test_ship_then_the_buyer_accepts_in_the_workspace(chain, app, db_session):
    from tests.conftest import login

    sender = app.test_client()
    login(sender, chain.coop_user)
    form = sender.get("/app/shipments/new", headers=EN).get_data(as_text=True)
    assert "CTK-1" in form  # the published lot is offered
    answer = sender.post(
        "/app/shipments/new",
        data={
            "batch_id": chain.lot.id,
            "to_tax_code": chain.shop.tax_code,
            "quantity": "12.5",
            "shipped_on": "2026-10-05",
            "reference_doc": "PX-9",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    shipment = db_session.scalar(select(Shipment))
    assert shipment.status == ShipmentStatus.SENT

    buyer = app.test_client()
    login(buyer, chain.shop_user)
    listing = buyer.get("/app/shipments", headers=EN).get_data(as_text=True)
    assert "CTK-1" in listing and chain.coop.name in listing
    assert "Accept" in buyer.get(f"/app/shipments/{shipment.id}", headers=EN).get_data(as_text=True)
    bad = buyer.post(
        f"/app/shipments/{shipment.id}/accept", data={"received_on": "2026-10-06", "quantity": "13"}, headers=EN
    )
    assert bad.status_code == 422 and "12.5" in bad.get_data(as_text=True)
    done = buyer.post(f"/app/shipments/{shipment.id}/accept", data={"received_on": "2026-10-06", "quantity": "12"})
    assert done.status_code == 302
    shipment = db_session.scalar(select(Shipment))
    assert shipment.status == ShipmentStatus.ACCEPTED
    assert db_session.get(Batch, shipment.received_batch_id).organization_id == chain.shop.id
    # the sender sees who received it
    page = sender.get(f"/app/shipments/{shipment.id}", headers=EN).get_data(as_text=True)
    assert chain.shop.name in page and "12" in page


def test_the_buyer_refuses_with_a_reason(chain, ship, login_as, db_session):
    shipment_id = ship().json["id"]
    web = login_as(chain.shop_user)
    assert web.post(f"/app/shipments/{shipment_id}/refuse", data={}).status_code == 422
    assert web.post(f"/app/shipments/{shipment_id}/refuse", data={"reason": "Sai chủng loại"}).status_code == 302
    assert db_session.get(Shipment, shipment_id).refused_reason == "Sai chủng loại"


def test_the_shipment_form_names_a_bad_field_and_writes_nothing(chain, login_as, db_session):
    web = login_as(chain.coop_user)
    answer = web.post(
        "/app/shipments/new",
        data={
            "batch_id": chain.lot.id,
            "to_tax_code": "0101234567",
            "quantity": "1",
            "shipped_on": "2026-10-05",
            "reference_doc": "PX-9",
        },
        headers=EN,
    )
    assert answer.status_code == 422
    assert "invite" in answer.get_data(as_text=True)
    assert db_session.scalar(select(Shipment)) is None


def test_suppliers_and_a_delivery_through_the_pages(chain, login_as, make_product, db_session):
    web = login_as(chain.coop_user)
    leaves = make_product(chain.coop, name="Chè búp tươi")
    saved = web.post(
        "/app/suppliers/new",
        data={"name": "Hộ Đỗ Văn Cường", "phone": "0987654321", "area_code": "VN-TNTC-0020", "commune": "Tân Cương"},
    )
    assert saved.status_code == 302
    supplier = db_session.scalar(select(Supplier))
    assert "Hộ Đỗ Văn Cường" in web.get("/app/suppliers").get_data(as_text=True)
    assert (
        web.post(
            f"/app/suppliers/{supplier.id}",
            data={"name": "Hộ Đỗ Văn Cường", "phone": "0987654321", "area_code": "VN-TNTC-0021"},
        ).status_code
        == 302
    )
    assert "VN-TNTC-0021" in web.get("/app/suppliers").get_data(as_text=True)
    delivered = web.post(
        "/app/deliveries/new",
        data={"supplier_id": supplier.id, "product_id": leaves.id, "quantity": "35", "received_on": "2026-10-02"},
    )
    assert delivered.status_code == 302
    delivery = db_session.scalar(select(Delivery))
    assert delivery.area_code == "VN-TNTC-0021" and delivery.batch.organization_id == chain.coop.id


def test_the_pages_speak_vietnamese(chain, ship, login_as):
    shipment_id = ship().json["id"]
    web = login_as(chain.shop_user)
    vi = {"Accept-Language": "vi"}
    assert "Hàng đến" in web.get("/app/shipments", headers=vi).get_data(as_text=True)
    page = web.get(f"/app/shipments/{shipment_id}", headers=vi).get_data(as_text=True)
    assert "Nhận hàng" in page and "Số phiếu xuất kho hoặc hoá đơn" in page
    form = web.get(f"/app/shipments/{shipment_id}/accept", headers=vi).get_data(as_text=True)
    assert "Số lượng thực nhận" in form
