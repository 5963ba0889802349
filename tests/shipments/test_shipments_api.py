"""Shipments between registered organisations: what the sender and the buyer see and may do, and every
refusal naming its field with nothing changed."""

from decimal import Decimal

from sqlalchemy import func, select

from traceability.audit.models import AuditEntry
from traceability.batches.models import Batch, BatchInput, BatchStatus, Event
from traceability.shipments.models import Shipment
from traceability.shipments.services import remaining


def _count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_shipment_arrives_in_the_buyers_list_and_accepting_gives_it_a_received_lot(chain, ship, accept, db_session):
    sent = ship(to_site_id=chain.shop_site.id)
    assert sent.status_code == 201, sent.json
    shipment = sent.json
    assert shipment["status"] == "sent" and shipment["to_tax_code"] == chain.shop.tax_code
    arriving = chain.shop_api.get("/api/v1/shipments?direction=in").json
    assert [s["id"] for s in arriving] == [shipment["id"]]
    assert chain.shop_api.get("/api/v1/shipments?direction=out").json == []

    answer = accept(shipment["id"], quantity="29.5", note="0,5 kg ẩm")
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "accepted"
    received = db_session.get(Batch, answer.json["batch_id"])
    assert received.organization_id == chain.shop.id
    assert received.quantity == Decimal("29.5")
    assert received.lot_code == "CTK-1"  # the same lot, passed on
    assert received.product_id == chain.lot.product_id  # the supplier's product record, not retyped
    assert received.status == BatchStatus.PUBLISHED and received.site_id == chain.shop_site.id
    # what left the cooperative is drawn from its lot: 30, though 29.5 arrived
    assert remaining(db_session, chain.lot) == Decimal("70")


def test_the_received_lot_is_an_input_of_the_buyers_batch_up_to_what_was_received(chain, ship, accept, db_session):
    shipment = ship().json
    lot_id = accept(shipment["id"], quantity="20").json["batch_id"]
    product = chain.shop_api.post("/api/v1/products", json={"name": "Chè hộp", "category": "tea", "unit": "kg"}).json
    too_much = chain.shop_api.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": "25",
            "produced_on": "2026-10-07",
            "inputs": [{"batch_id": lot_id, "quantity": "21"}],
        },
    )
    assert too_much.status_code == 422
    assert "inputs" in too_much.json["errors"]["json"]
    ok = chain.shop_api.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": "20",
            "produced_on": "2026-10-07",
            "inputs": [{"batch_id": lot_id, "quantity": "20"}],
        },
    )
    assert ok.status_code == 201, ok.json


def test_the_shipped_lot_is_not_the_buyers_input_until_accepted(chain, ship, db_session):
    ship()
    product = chain.shop_api.post("/api/v1/products", json={"name": "Chè hộp", "category": "tea", "unit": "kg"}).json
    answer = chain.shop_api.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": "5",
            "produced_on": "2026-10-07",
            "inputs": [{"batch_id": chain.lot.id, "quantity": "5"}],
        },
    )
    assert answer.status_code == 422 and "inputs" in answer.json["errors"]["json"]


def test_a_trader_ships_the_received_lot_on(chain, ship, accept, make_org, db_session):
    lot_id = accept(ship().json["id"]).json["batch_id"]
    market = make_org(name="Siêu thị")
    on = chain.shop_api.post(
        "/api/v1/shipments",
        json={
            "batch_id": lot_id,
            "to_tax_code": market.tax_code,
            "quantity": "30",
            "shipped_on": "2026-10-08",
            "reference_doc": "HD-77",
        },
    )
    assert on.status_code == 201, on.json
    again = chain.shop_api.post(
        "/api/v1/shipments",
        json={
            "batch_id": lot_id,
            "to_tax_code": market.tax_code,
            "quantity": "1",
            "shipped_on": "2026-10-08",
            "reference_doc": "HD-78",
        },
    )
    assert again.status_code == 422 and "quantity" in again.json["errors"]["json"]


def test_refusing_gives_the_quantity_back_and_is_final(chain, ship, accept, db_session):
    shipment = ship(quantity="100").json
    assert ship(quantity="1").status_code == 422  # all 100 kg are on their way
    refused = chain.shop_api.post(f"/api/v1/shipments/{shipment['id']}/refuse", json={"reason": "Chè bị ẩm"})
    assert refused.status_code == 200 and refused.json["status"] == "refused"
    assert refused.json["refused_reason"] == "Chè bị ẩm"
    assert remaining(db_session, chain.lot) == Decimal("100")
    assert accept(shipment["id"]).status_code == 409
    missing = chain.shop_api.post(f"/api/v1/shipments/{shipment['id']}/refuse", json={})
    assert missing.status_code in (409, 422)


def _refused(response, field):
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json
    return response.json["errors"]["json"][field][0]


def test_bad_shipments_are_refused_naming_the_field_and_nothing_is_written(
    chain, ship, make_batch, make_site, db_session
):
    before = (_count(db_session, Shipment), _count(db_session, Event))
    assert "chỉ còn" in _refused(ship(quantity="100.5"), "quantity")
    draft = make_batch(chain.coop, lot_code="DRAFT-1")
    assert "bản nháp" in _refused(ship(batch_id=draft.id), "batch_id")
    suspended = make_batch(chain.coop, status=BatchStatus.SUSPENDED, lot_code="SUS-1")
    _refused(ship(batch_id=suspended.id), "batch_id")
    recalled = make_batch(chain.coop, status=BatchStatus.RECALLED, lot_code="REC-1")
    _refused(ship(batch_id=recalled.id), "batch_id")
    made_from_recalled = make_batch(chain.coop, status=BatchStatus.PUBLISHED, inputs=[(recalled, 1)])
    _refused(ship(batch_id=made_from_recalled.id), "batch_id")
    others = make_batch(chain.shop, status=BatchStatus.PUBLISHED)
    _refused(ship(batch_id=others.id), "batch_id")
    _refused(ship(to_tax_code=chain.coop.tax_code), "to_tax_code")
    _refused(ship(to_tax_code="0109999999"), "to_tax_code")
    _refused(ship(to_tax_code="12ab"), "to_tax_code")
    coop_site = make_site(chain.coop)
    _refused(ship(to_site_id=coop_site.id), "to_site_id")
    _refused(ship(from_site_id=chain.shop_site.id), "from_site_id")
    _refused(ship(unit="bao"), "unit")
    _refused(ship(shipped_on="2026-09-01"), "shipped_on")
    _refused(ship(reference_doc=""), "reference_doc")
    _refused(ship(quantity="0"), "quantity")
    after = (_count(db_session, Shipment), _count(db_session, Event))
    assert after == before


def test_an_unknown_buyer_is_invited_and_the_shipment_waits_for_it(chain, ship, app, make_org, make_user, api_as):
    sent = ship(to_tax_code="0109999999", invite_email="mua@example.org")
    assert sent.status_code == 201, sent.json
    assert sent.json["invite_url"] and "/invite/" in sent.json["invite_url"]
    link = ship(to_tax_code="0108888888", invite=True).json["invite_url"]
    page = app.test_client().get(link.split("localhost", 1)[-1].replace("http://", ""))
    assert page.status_code == 200 and "0108888888" in page.get_data(as_text=True)
    # the buyer registers with that tax code: the shipment is in its list and it may accept it
    late = make_org(tax_code="0109999999", name="Cửa hàng mới")
    buyer = api_as(make_user("producer", late))
    arriving = buyer.get("/api/v1/shipments?direction=in").json
    assert [s["id"] for s in arriving] == [sent.json["id"]]
    assert (
        buyer.post(f"/api/v1/shipments/{sent.json['id']}/accept", json={"received_on": "2026-10-09"}).status_code == 200
    )


def test_receiving_twice_more_than_shipped_early_or_someone_elses_shipment(
    chain, ship, accept, make_user, make_org, api_as, db_session
):
    shipment = ship().json
    before = _count(db_session, Batch)
    _refused(accept(shipment["id"], quantity="30.001"), "quantity")
    _refused(accept(shipment["id"], received_on="2026-10-04"), "received_on")
    assert accept(shipment["id"], api=chain.coop_api).status_code == 403  # the sender cannot accept its own
    stranger = api_as(make_user("producer", make_org()))
    assert accept(shipment["id"], api=stranger).status_code == 404
    assert stranger.get(f"/api/v1/shipments/{shipment['id']}").status_code == 404
    assert _count(db_session, Batch) == before
    assert accept(shipment["id"]).status_code == 200
    assert accept(shipment["id"]).status_code == 409
    assert (
        db_session.scalar(select(func.count()).select_from(BatchInput).where(BatchInput.input_batch_id == chain.lot.id))
        == 1
    )


def test_shipment_receipt_and_refusal_are_in_the_audit_chain(chain, ship, accept, db_session):
    first, second = ship().json, ship(reference_doc="PX-0002").json
    accept(first["id"])
    chain.shop_api.post(f"/api/v1/shipments/{second['id']}/refuse", json={"reason": "Sai hàng"})
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "shipments").order_by(AuditEntry.id)
    ).all()
    actions = [(int(e.entity_id), e.action, (e.after or {}).get("status")) for e in entries]
    assert (first["id"], "create", "sent") in actions
    assert (first["id"], "update", "accepted") in actions
    assert (second["id"], "update", "refused") in actions
