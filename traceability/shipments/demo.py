"""Demo of the chain across organisations: households deliver fresh leaves to the Tân Cương cooperative, which
dries them and ships part of the lot to a registered tea shop in Hà Nội; the pig farm sells to a slaughterhouse,
which ships on to a market stall not yet registered (an invitation waits for it). The cooperative also invites
a café by e-mail, and cancelled one shipment sent by mistake; the shop stores the lot it passes on.
Idempotent: what exists (by tax code, supplier name, lot code or delivery note) is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts.models import OrgKind, Role
from traceability.batches import services as batches
from traceability.batches.demo import _at, _batch
from traceability.batches.models import EventType, LabResult
from traceability.registry.models import Site, SiteKind
from traceability.shipments import services
from traceability.shipments.models import Delivery, Shipment, ShipmentStatus, Supplier

HOUSEHOLDS = [
    ("Hộ Nguyễn Văn An", "019080001234", "0912 111 222", "Xóm Hồng Thái 1", "VN-TNTC-0101", "21.5745", "105.7561"),
    ("Hộ Lê Thị Bình", "019185004321", "0913 333 444", "Xóm Nam Thái", "VN-TNTC-0102", "21.5702", "105.7519"),
    ("Hộ Đỗ Văn Cường", "019078009876", "0915 555 666", "Xóm Soi Mít", "VN-TNTC-0103", "21.5668", "105.7483"),
]


def _supplier(session: Session, user, row: tuple) -> Supplier:
    name, id_number, phone, address, area, lat, lon = row
    found = session.scalar(
        select(Supplier).where(Supplier.organization_id == user.organization_id, Supplier.name == name)
    )
    return found or services.create_supplier(
        session,
        user,
        {
            "name": name,
            "id_number": id_number,
            "phone": phone,
            "commune": "Tân Cương",
            "address": address,
            "area_code": area,
            "latitude": Decimal(lat),
            "longitude": Decimal(lon),
        },
    )


def _delivery(session: Session, user, supplier: Supplier, product_id: int, kg: str, day: dt.date, doc: str):
    found = session.scalar(
        select(Delivery).where(Delivery.organization_id == user.organization_id, Delivery.reference_doc == doc)
    )
    return found or services.record_delivery(
        session,
        user,
        {
            "supplier_id": supplier.id,
            "product_id": product_id,
            "quantity": Decimal(kg),
            "received_on": day,
            "harvested_on": day,
            "reference_doc": doc,
        },
    )


def _shipment(session: Session, user, data: dict, buyer=None, received: dict | None = None) -> Shipment:
    found = session.scalar(
        select(Shipment).where(
            Shipment.organization_id == user.organization_id, Shipment.reference_doc == data["reference_doc"]
        )
    )
    if found is None:
        found = services.ship_lot(session, user, data)
    if buyer is not None and received is not None and found.status == ShipmentStatus.SENT:
        services.accept_shipment(session, buyer, found, received)
    return found


def load(session: Session, ctx) -> None:
    from traceability.demo import _get_or_add, _org, _user  # the shared demo helpers

    shop = ctx.orgs["tea_shop"] = _org(
        session,
        {
            "name": "Cửa hàng Trà Phố Cổ",
            "kind": OrgKind.ENTERPRISE,
            "tax_code": "0109876543",
            "province": "Hà Nội",
            "commune": "Hoàn Kiếm",
            "address": "28 Hàng Điếu",
            "phone": "024 3828 1234",
        },
    )
    slaughter = ctx.orgs["slaughterhouse"] = _org(
        session,
        {
            "name": "Cơ sở giết mổ Úc Kỳ",
            "kind": OrgKind.ENTERPRISE,
            "tax_code": "4609876501",
            "province": "Thái Nguyên",
            "commune": "Úc Kỳ",
            "address": "Xóm Phú Lợi",
        },
    )
    ctx.users["tea_shop"] = _user(session, "cuahang.phoco@example.org", "Phạm Thu Trang", Role.PRODUCER, shop)
    ctx.users["slaughterhouse"] = _user(session, "gietmo.ucky@example.org", "Hoàng Văn Sơn", Role.PRODUCER, slaughter)
    shop_site = _get_or_add(
        session,
        Site,
        {"organization_id": shop.id, "name": "Cửa hàng Hàng Điếu"},
        {"kind": SiteKind.WAREHOUSE, "province": "Hà Nội", "commune": "Hoàn Kiếm", "address": "28 Hàng Điếu"},
    )
    tea_user = ctx.users["tea"]
    households = [_supplier(session, tea_user, row) for row in HOUSEHOLDS]
    day = dt.date(2026, 10, 11)
    leaves = [
        _delivery(session, tea_user, households[0], ctx.products["fresh_leaf"].id, "60", day, "PN-1011-01"),
        _delivery(session, tea_user, households[1], ctx.products["fresh_leaf"].id, "50", day, "PN-1011-02"),
    ]
    made = dt.date(2026, 10, 12)
    dried = ctx.extra["household_tea_batch"] = _batch(
        session,
        tea_user,
        {
            "product_id": ctx.products["dried_tea"].id,
            "site_id": ctx.sites["tea_factory"].id,
            "lot_code": "TC-261012-H",
            "quantity": Decimal("22"),
            "produced_on": made,
            "inputs": [{"batch_id": d.batch_id, "quantity": d.batch.quantity} for d in leaves],
        },
        events=[
            {
                "type": EventType.PROCESSING,
                "occurred_at": _at(made, 8),
                "site_id": ctx.sites["tea_factory"].id,
                "note": "Chè búp của các hộ thành viên: héo, vò, sao",
            }
        ],
        # the shop passes the lot on unchanged: its page shows this result as the cooperative published it
        lab_tests=[
            {
                "laboratory": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Thái Nguyên",
                "certificate_no": "KQ-2026-1203",
                "sampled_on": made,
                "reported_on": made + dt.timedelta(days=1),
                "analyte": "Dư lượng thuốc bảo vệ thực vật (nhóm lân hữu cơ)",
                "result": LabResult.PASS,
            }
        ],
    )
    ctx.extra["tea_shipment"] = _shipment(
        session,
        tea_user,
        {
            "batch_id": dried.id,
            "to_tax_code": shop.tax_code,
            "to_site_id": shop_site.id,
            "from_site_id": ctx.sites["tea_factory"].id,
            "quantity": Decimal("20"),
            "shipped_on": dt.date(2026, 10, 13),
            "reference_doc": "PXK-0458",
        },
        ctx.users["tea_shop"],
        {"received_on": dt.date(2026, 10, 14), "quantity": Decimal("20"), "note": "Đủ 100 gói 200 g"},
    )
    shop_lot = ctx.extra["tea_shipment"].received_batch
    if not any(e.type == EventType.STORING for e in shop_lot.events):  # the shop's own step follows the chain
        batches.add_event(
            session,
            ctx.users["tea_shop"],
            shop_lot,
            {
                "type": EventType.STORING,
                "occurred_at": _at(dt.date(2026, 10, 14), 15),
                "site_id": shop_site.id,
                "note": "Kệ trà khô, nơi khô ráo, tránh ánh nắng",
            },
        )
    # a café in Hà Nội not registered yet, invited by e-mail (into the outbox without a mail server)
    _shipment(
        session,
        tea_user,
        {
            "batch_id": dried.id,
            "to_tax_code": "0107654321",
            "invite_email": "quan.tra.sen@example.org",
            "invite_language": "vi",
            "quantity": Decimal("1"),
            "shipped_on": dt.date(2026, 10, 15),
            "reference_doc": "PXK-0461",
        },
    )
    # sent to the shop by mistake (wrong quantity) and cancelled before the shop answered
    wrong = _shipment(
        session,
        tea_user,
        {
            "batch_id": dried.id,
            "to_tax_code": shop.tax_code,
            "quantity": Decimal("1"),
            "shipped_on": dt.date(2026, 10, 15),
            "reference_doc": "PXK-0460",
        },
    )
    if wrong.status == ShipmentStatus.SENT:
        services.cancel_shipment(session, tea_user, wrong)
    pork = ctx.extra["pork_batch"]
    ctx.extra["pork_shipment"] = _shipment(
        session,
        ctx.users["pigs"],
        {
            "batch_id": pork.id,
            "to_tax_code": slaughter.tax_code,
            "quantity": Decimal("400"),
            "shipped_on": dt.date(2026, 10, 10),
            "reference_doc": "HĐ-0000312",
        },
        ctx.users["slaughterhouse"],
        {"received_on": dt.date(2026, 10, 10), "quantity": Decimal("398"), "note": "Hao hụt 2 kg khi vận chuyển"},
    )
    received = ctx.extra["pork_shipment"].received_batch
    _shipment(
        session,
        ctx.users["slaughterhouse"],
        {
            "batch_id": received.id,
            "to_tax_code": "4600112233",  # a stall at Thái market, not registered yet: an invitation link waits
            "invite": True,
            "quantity": Decimal("60"),
            "shipped_on": dt.date(2026, 10, 11),
            "reference_doc": "PX-CHO-0007",
        },
    )
