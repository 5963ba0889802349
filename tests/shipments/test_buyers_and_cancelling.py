"""Finding a buyer by name, cancelling a shipment not yet answered, deleting a supplier without deliveries."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from traceability.accounts.models import OrgStatus
from traceability.batches.models import Batch, Event, EventType
from traceability.notices.models import Notice
from traceability.shipments.models import Shipment, ShipmentStatus, Supplier


def test_buyers_are_found_by_name_without_accents(chain, make_org):
    make_org(name="Cửa hàng Trà Tân Cương Hà Nội")
    make_org(name="Công ty Chè Tân Cương chờ duyệt", status=OrgStatus.PENDING)
    make_org(name="Tân Cương bị đình chỉ", status=OrgStatus.SUSPENDED)
    answer = chain.shop_api.get("/api/v1/shipments/buyers?q=tan cuong")
    assert answer.status_code == 200
    names = [row["name"] for row in answer.json]
    # the cooperative and the shop; never a pending or suspended organisation
    assert names == ["Cửa hàng Trà Tân Cương Hà Nội", "HTX Chè Tân Cương"]
    assert set(answer.json[0]) == {"id", "name", "tax_code", "kind", "commune", "province"}  # no e-mail, no phone


def test_the_caller_does_not_find_itself_and_a_tax_code_prefix_works(chain):
    own = chain.coop_api.get("/api/v1/shipments/buyers?q=tan cuong").json
    assert own == []
    by_code = chain.coop_api.get(f"/api/v1/shipments/buyers?q={chain.shop.tax_code[:6]}").json
    assert [row["name"] for row in by_code] == ["Cửa hàng Chè Hà Nội"]


def test_a_too_short_search_is_refused_naming_the_field(chain):
    answer = chain.shop_api.get("/api/v1/shipments/buyers?q=t")
    assert answer.status_code == 422 and "q" in answer.json["errors"]["query"]


def test_the_search_page_links_to_the_shipment_form_with_the_tax_code(chain, login_as):
    client = login_as(chain.coop_user)
    page = client.get("/app/shipments/buyers?q=cua hang che").get_data(as_text=True)
    assert "Cửa hàng Chè Hà Nội" in page
    assert f"/app/shipments/new?to_tax_code={chain.shop.tax_code}" in page
    form = client.get(f"/app/shipments/new?to_tax_code={chain.shop.tax_code}").get_data(as_text=True)
    assert f'value="{chain.shop.tax_code}"' in form and "/app/shipments/buyers" in form


def test_cancelling_frees_the_held_quantity_and_tells_the_buyer(chain, ship, db_session):
    sent = ship(quantity="100").json
    assert ship(quantity="1").status_code == 422  # all of it is held for the first shipment
    answer = chain.coop_api.post(f"/api/v1/shipments/{sent['id']}/cancel")
    assert answer.status_code == 200 and answer.json["status"] == "cancelled"
    assert ship(quantity="100").status_code == 201  # the whole lot is the sender's again
    kinds = db_session.scalars(select(Notice.kind).where(Notice.user_id == chain.shop_user.id)).all()
    assert "shipment_cancelled" in kinds
    shipping = db_session.scalars(
        select(Event).where(Event.batch_id == chain.lot.id, Event.type == EventType.SHIPPING)
    ).all()
    assert len(shipping) == 1  # the cancelled shipment's step went with it; the new one stays


def test_only_the_sender_cancels_and_only_before_an_answer(chain, ship, accept, db_session):
    sent = ship().json
    assert chain.shop_api.post(f"/api/v1/shipments/{sent['id']}/cancel").status_code == 403
    assert accept(sent["id"]).status_code == 200
    late = chain.coop_api.post(f"/api/v1/shipments/{sent['id']}/cancel")
    assert late.status_code == 409 and "đã được chấp nhận" in late.json["message"]
    assert db_session.get(Shipment, sent["id"]).status == ShipmentStatus.ACCEPTED


def test_an_answered_cancellation_cannot_be_accepted(chain, ship, accept):
    sent = ship().json
    chain.coop_api.post(f"/api/v1/shipments/{sent['id']}/cancel")
    assert accept(sent["id"]).status_code == 409


def test_cancelling_from_the_page(chain, ship, login_as, db_session):
    sent = ship().json
    client = login_as(chain.coop_user)
    page = client.get(f"/app/shipments/{sent['id']}").get_data(as_text=True)
    assert f"/app/shipments/{sent['id']}/cancel" in page
    assert client.post(f"/app/shipments/{sent['id']}/cancel").status_code == 302
    db_session.expire_all()
    assert db_session.get(Shipment, sent["id"]).status == ShipmentStatus.CANCELLED


def _supplier(chain, name="Hộ Trần Văn Dũng"):
    return chain.coop_api.post(
        "/api/v1/suppliers", json={"name": name, "phone": "0912000111", "area_code": "VN-TNTC-0201"}
    ).json


def test_a_supplier_without_deliveries_is_deleted(chain, db_session):
    supplier = _supplier(chain)
    assert chain.shop_api.delete(f"/api/v1/suppliers/{supplier['id']}").status_code == 404
    assert chain.coop_api.delete(f"/api/v1/suppliers/{supplier['id']}").status_code == 204
    assert db_session.get(Supplier, supplier["id"]) is None


def test_a_supplier_with_deliveries_stays_and_the_answer_says_why(chain, make_product, db_session, login_as):
    supplier = _supplier(chain)
    leaves = make_product(chain.coop, name="Chè búp tươi")
    chain.coop_api.post(
        "/api/v1/deliveries",
        json={"supplier_id": supplier["id"], "product_id": leaves.id, "quantity": "50", "received_on": "2026-10-01"},
    )
    answer = chain.coop_api.delete(f"/api/v1/suppliers/{supplier['id']}")
    assert answer.status_code == 409 and "1" in answer.json["message"] and "Hộ Trần Văn Dũng" in answer.json["message"]
    client = login_as(chain.coop_user)
    assert client.post(f"/app/suppliers/{supplier['id']}/delete").status_code == 302
    page = client.get("/app/suppliers").get_data(as_text=True)
    assert "Không thể xoá Hộ Trần Văn Dũng" in page
    assert db_session.get(Supplier, supplier["id"]) is not None
    assert db_session.scalar(select(Batch).where(Batch.organization_id == chain.coop.id, Batch.quantity == Decimal(50)))
