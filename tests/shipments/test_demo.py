"""The demo tells the chain: households → cooperative → a registered shop in Hà Nội; pig farm → slaughterhouse."""

from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.demo import load_demo
from traceability.shipments.models import Shipment, ShipmentStatus


def test_the_demo_chain_loads_once_and_its_shop_page_tells_the_chain(db_session, client):
    ctx = load_demo(db_session)
    load_demo(db_session)  # a second run adds nothing
    assert db_session.scalar(select(func.count()).select_from(Shipment)) == 3
    tea, pork = ctx.extra["tea_shipment"], ctx.extra["pork_shipment"]
    assert tea.status == ShipmentStatus.ACCEPTED and pork.status == ShipmentStatus.ACCEPTED
    shop_lot = tea.received_batch
    assert shop_lot.organization.name == "Cửa hàng Trà Phố Cổ" and shop_lot.status == BatchStatus.PUBLISHED
    code = lot_code_for(db_session, shop_lot)
    db_session.commit()
    chain = client.get(f"/c/{code.value}", headers={"Accept": "application/json"}).json["chain"]
    assert [a["role"] for a in chain] == ["grower", "grower", "processor", "trader"]
    assert chain[0]["declared_by"] == "Hợp tác xã Chè Tân Cương Xanh"
    waiting = db_session.scalar(select(Shipment).where(Shipment.status == ShipmentStatus.SENT))
    assert waiting.to_tax_code == "4600112233" and waiting.invite_token
