"""A realistic demo data set for Thái Nguyên: a tea cooperative, a pig farm, an inspector and an admin.

Idempotent: each step looks for what it would create first. Later domains add their own steps to
DEMO_STEPS (e.g. batches with their records, codes, inspections).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts import services as accounts
from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User
from traceability.batches.demo import load as load_batches
from traceability.codes.demo import load as load_codes
from traceability.inspection.demo import load as load_inspections
from traceability.reference.demo import load_agencies
from traceability.reference.services import load_substances
from traceability.registry.models import Certification, Product, Site, SiteKind
from traceability.shipments.demo import load as load_shipments

DEMO_PASSWORD = "demo-2026-thainguyen"  # noqa: S105  (printed for the demo on purpose)
DEMO_LOGINS = [
    ("admin", "admin@example.org", DEMO_PASSWORD),
    ("inspector", "thanhtra@example.org", DEMO_PASSWORD),
    ("producer", "htx.tancuong@example.org", DEMO_PASSWORD),
    ("producer", "trangtrai.phubinh@example.org", DEMO_PASSWORD),
    ("producer", "cuahang.phoco@example.org", DEMO_PASSWORD),
    ("producer", "gietmo.ucky@example.org", DEMO_PASSWORD),
]


@dataclass
class DemoContext:
    """What earlier steps made, for later steps to build on."""

    users: dict[str, User] = field(default_factory=dict)
    orgs: dict[str, Organization] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _org(session: Session, data: dict[str, Any]) -> Organization:
    org = accounts.find_organization(session, data["tax_code"])
    if org is None:
        org = accounts.create_organization(session, data)
        accounts.set_organization_status(session, org, None, OrgStatus.VERIFIED)
    return org


def _user(session: Session, email: str, full_name: str, role: Role, org: Organization | None = None) -> User:
    return accounts.find_user(session, email) or accounts.create_user(
        session, email=email, password=DEMO_PASSWORD, full_name=full_name, role=role, organization=org
    )


def _get_or_add(session: Session, model: type, lookup: dict[str, Any], values: dict[str, Any]) -> Any:
    obj = session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        session.add(obj)
        session.flush()
    return obj


def load_accounts_and_registry(session: Session, ctx: DemoContext) -> None:
    load_substances(session)
    tea = ctx.orgs["tea"] = _org(
        session,
        {
            "name": "Hợp tác xã Chè Tân Cương Xanh",
            "kind": OrgKind.COOPERATIVE,
            "tax_code": "4601234567",
            "province": "Thái Nguyên",
            "commune": "Xã Tân Cương",
            "commune_code": "05503",
            "address": "Xóm Hồng Thái 2",
            "phone": "0208 3855 123",
            "email": "htx.tancuong@example.org",
            "gs1_prefix": "8936012345",
        },
    )
    pigs = ctx.orgs["pigs"] = _org(
        session,
        {
            "name": "Trang trại lợn Phú Bình",
            "kind": OrgKind.FARM,
            "tax_code": "4607654321",
            "province": "Thái Nguyên",
            "commune": "Xã Phú Bình",
            "commune_code": "05908",
            "address": "Thôn Đồng Quan",
            "phone": "0912 345 678",
        },
    )
    ctx.users["admin"] = _user(session, "admin@example.org", "Quản trị hệ thống", Role.ADMIN)
    ctx.users["inspector"] = _user(session, "thanhtra@example.org", "Nguyễn Văn Kiểm", Role.INSPECTOR)
    ctx.users["commune_inspector"] = _user(session, "kiemtra.tancuong@example.org", "Hoàng Thị Xuân", Role.INSPECTOR)
    department, commune = load_agencies(session)
    ctx.users["inspector"].agency_id = department.id
    ctx.users["commune_inspector"].agency_id = commune.id
    ctx.users["tea"] = _user(session, "htx.tancuong@example.org", "Trần Thị Hoa", Role.PRODUCER, tea)
    ctx.users["pigs"] = _user(session, "trangtrai.phubinh@example.org", "Lê Văn Bình", Role.PRODUCER, pigs)

    ctx.sites["tea_hong_thai"] = _get_or_add(
        session,
        Site,
        {"organization_id": tea.id, "name": "Đồi chè Hồng Thái"},
        {
            "kind": SiteKind.GROWING_AREA,
            "area_code": "VN-TNTC-0012",
            "province": "Thái Nguyên",
            "commune": "Xã Tân Cương",
            "commune_code": "05503",
            "address": "Xóm Hồng Thái 2",
            "latitude": Decimal("21.573810"),
            "longitude": Decimal("105.758420"),
            "area_ha": Decimal("6.5"),
        },
    )
    ctx.sites["tea_nam_tran"] = _get_or_add(
        session,
        Site,
        {"organization_id": tea.id, "name": "Đồi chè Nam Trần"},
        {
            "kind": SiteKind.GROWING_AREA,
            "area_code": "VN-TNTC-0015",
            "province": "Thái Nguyên",
            "commune": "Xã Tân Cương",
            "commune_code": "05503",
            "address": "Xóm Nam Trần",
            "latitude": Decimal("21.567950"),
            "longitude": Decimal("105.749160"),
            "area_ha": Decimal("4.2"),
        },
    )
    ctx.sites["tea_factory"] = _get_or_add(
        session,
        Site,
        {"organization_id": tea.id, "name": "Xưởng sao chè HTX"},
        {
            "kind": SiteKind.PROCESSING,
            "province": "Thái Nguyên",
            "commune": "Xã Tân Cương",
            "commune_code": "05503",
            "address": "Xóm Hồng Thái 2",
            "latitude": Decimal("21.575020"),
            "longitude": Decimal("105.760110"),
        },
    )
    ctx.sites["pig_barn"] = _get_or_add(
        session,
        Site,
        {"organization_id": pigs.id, "name": "Chuồng nuôi số 1"},
        {
            "kind": SiteKind.BARN,
            "area_code": "TN-PB-CN-0031",
            "province": "Thái Nguyên",
            "commune": "Xã Phú Bình",
            "commune_code": "05908",
            "address": "Thôn Đồng Quan",
            "latitude": Decimal("21.488300"),
            "longitude": Decimal("105.967500"),
            "area_ha": Decimal("1.2"),
        },
    )
    _get_or_add(
        session,
        Certification,
        {"organization_id": tea.id, "scheme": "VietGAP", "number": "VietGAP-TT-23-05-19-0087"},
        {
            "site_id": ctx.sites["tea_hong_thai"].id,
            "issuer": "Trung tâm Chứng nhận Phù hợp (QUACERT)",
            "valid_from": dt.date(2025, 3, 1),
            "valid_to": dt.date(2027, 2, 28),
        },
    )
    # the dried tea claims VietGAP: the cooperative's group certificate covers its own areas and its members' plots
    _get_or_add(
        session,
        Certification,
        {"organization_id": tea.id, "scheme": "VietGAP", "number": "VietGAP-TT-24-08-19-0112"},
        {
            "site_id": None,
            "issuer": "Trung tâm Chứng nhận Phù hợp (QUACERT)",
            "valid_from": dt.date(2024, 9, 1),
            "valid_to": dt.date(2026, 12, 31),
        },
    )
    ctx.products["fresh_leaf"] = _get_or_add(
        session,
        Product,
        {"organization_id": tea.id, "name": "Chè búp tươi Tân Cương"},
        {
            "category_code": "tea",
            "unit": "kg",
            "shelf_life_days": 2,
            "description": "Búp chè 1 tôm 2 lá hái tay trên đồi chè đạt VietGAP.",
        },
    )
    ctx.products["dried_tea"] = _get_or_add(
        session,
        Product,
        {"organization_id": tea.id, "name": "Chè Tân Cương đặc biệt"},
        {
            "category_code": "tea",
            "unit": "kg",
            "shelf_life_days": 540,
            "gtin": "08936012345001",
            "brand": "Tân Cương Xanh",
            "standards": "TCVN 3218:2012; VietGAP",
            "description": "Chè xanh sao suốt thủ công, gói 200 g, chỉ dẫn địa lý Tân Cương.",
        },
    )
    ctx.products["pork"] = _get_or_add(
        session,
        Product,
        {"organization_id": pigs.id, "name": "Thịt lợn sạch Phú Bình"},
        {
            "category_code": "pork",
            "unit": "kg",
            "shelf_life_days": 5,
            "description": "Lợn nuôi theo VietGAHP, giết mổ tại cơ sở được cấp phép.",
        },
    )


# batches before codes and inspections, which build on the published demo batches
DEMO_STEPS = [load_accounts_and_registry, load_batches, load_shipments, load_codes, load_inspections]


def load_demo(session: Session) -> DemoContext:
    ctx = DemoContext()
    for step in DEMO_STEPS:
        step(session, ctx)
    session.flush()
    return ctx
