"""A shipment tells the buyer it is on its way, and the sender whether it was accepted or refused."""

from __future__ import annotations

from sqlalchemy import select

from traceability.notices.models import Notice

from ..mailsink import body, subject


def _notices(db_session, user) -> list[Notice]:
    return list(db_session.scalars(select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)))


def test_the_buyer_is_told_a_shipment_waits_for_it(chain, ship, db_session, login_as):
    shipment = ship().json
    told = _notices(db_session, chain.shop_user)
    assert [n.kind for n in told] == ["shipment_sent"]
    assert told[0].link == f"/app/shipments/{shipment['id']}"
    assert told[0].params["sender"] == "HTX Chè Tân Cương" and told[0].params["quantity"] == "30"
    assert _notices(db_session, chain.coop_user) == []  # the sender is not told of its own shipment
    page = login_as(chain.shop_user).get("/app/notices").get_data(as_text=True)
    assert "Lô CTK-1 (30 kg) từ HTX Chè Tân Cương đang chờ bạn nhận" in page


def test_the_sender_is_told_of_the_acceptance_with_the_quantity_received(chain, ship, accept, db_session, login_as):
    shipment = ship().json
    assert accept(shipment["id"], quantity="28").status_code == 200
    told = _notices(db_session, chain.coop_user)
    assert [n.kind for n in told] == ["shipment_accepted"]
    assert told[0].params["received"] == "28" and told[0].link == f"/app/shipments/{shipment['id']}"
    page = login_as(chain.coop_user).get("/app/notices").get_data(as_text=True)
    assert "Cửa hàng Chè Hà Nội đã nhận lô CTK-1" in page


def test_the_sender_is_told_of_a_refusal_with_its_reason(chain, ship, db_session, login_as):
    shipment = ship().json
    refused = chain.shop_api.post(f"/api/v1/shipments/{shipment['id']}/refuse", json={"reason": "Chè bị ẩm"})
    assert refused.status_code == 200
    told = _notices(db_session, chain.coop_user)
    assert [n.kind for n in told] == ["shipment_refused"]
    assert told[0].params["reason"] == "Chè bị ẩm"
    page = login_as(chain.coop_user).get("/app/notices").get_data(as_text=True)
    assert "Cửa hàng Chè Hà Nội đã từ chối lô CTK-1" in page


def test_the_arrival_and_the_refusal_are_mailed(chain, ship, db_session, mailbox):
    chain.shop_user.email, chain.coop_user.email = "cua.hang@example.org", "htx@example.org"
    chain.coop_user.locale = "en"
    db_session.commit()
    shipment = ship().json
    chain.shop_api.post(f"/api/v1/shipments/{shipment['id']}/refuse", json={"reason": "Wet leaves"})
    mailbox.deliver()
    arrival = mailbox.wait_for("cua.hang@example.org", timeout=1)
    assert subject(arrival) == "Lô CTK-1 (30 kg) từ HTX Chè Tân Cương đang chờ bạn nhận"  # Vietnamese by default
    assert f"https://registry.example/app/shipments/{shipment['id']}" in body(arrival)
    refusal = mailbox.wait_for("htx@example.org", timeout=1)
    assert subject(refusal) == "Cửa hàng Chè Hà Nội refused lot CTK-1"
    assert "Wet leaves" in body(refusal)
