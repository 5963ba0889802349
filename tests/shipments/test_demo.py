"""The demo tells the chain: households → cooperative → a registered shop in Hà Nội; pig farm → slaughterhouse."""

from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.demo import load_demo
from traceability.shipments.models import Shipment, ShipmentStatus


def test_the_demo_chain_loads_once_and_its_shop_page_tells_the_chain(db_session, client):
    ctx = load_demo(db_session)
    load_demo(db_session)  # a second run adds nothing
    assert db_session.scalar(select(func.count()).select_from(Shipment)) == 5
    tea, pork = ctx.extra["tea_shipment"], ctx.extra["pork_shipment"]
    assert tea.status == ShipmentStatus.ACCEPTED and pork.status == ShipmentStatus.ACCEPTED
    shop_lot = tea.received_batch
    assert shop_lot.organization.name == "Cửa hàng Trà Phố Cổ" and shop_lot.status == BatchStatus.PUBLISHED
    code = lot_code_for(db_session, shop_lot)
    db_session.commit()
    chain = client.get(f"/c/{code.value}", headers={"Accept": "application/json"}).json["chain"]
    assert [a["role"] for a in chain] == ["grower", "grower", "processor", "trader"]
    assert chain[0]["declared_by"] == "Hợp tác xã Chè Tân Cương Xanh"
    waiting = db_session.scalars(
        select(Shipment).where(Shipment.status == ShipmentStatus.SENT).order_by(Shipment.to_tax_code)
    ).all()
    assert [(w.to_tax_code, w.invite_email is not None) for w in waiting] == [
        ("0107654321", True),  # invited by e-mail
        ("4600112233", False),  # a link to pass on
    ]
    assert all(w.invite_token for w in waiting)
    cancelled = db_session.scalar(select(Shipment).where(Shipment.status == ShipmentStatus.CANCELLED))
    assert cancelled.reference_doc == "PXK-0460"
    page = client.get(f"/c/{code.value}", headers={"Accept": "application/json"}).json
    assert "KQ-2026-1203" in [t["certificate_no"] for t in page["lab_tests"]]  # the cooperative's result
    assert page["events"][-1]["type"] == "storing"  # the shop's own step comes last
    assert {o["area_code"] for o in page["origins"]} == {"VN-TNTC-0101", "VN-TNTC-0102"}
