"""Demo batches: a dried-tea batch made from two fresh-leaf batches (with their fertilising step, their chemical
applications — a spraying is recorded as its application alone — and a lab test), and a pork batch. All
published through the services, so they pass every rule. Idempotent: a batch whose lot code exists is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.batches import services
from traceability.batches.models import Batch, ChemicalPurpose, EventType, LabResult
from traceability.batches.schemas import LOCAL_ZONE


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


def _batch(session: Session, user, data: dict[str, Any], events=(), chemicals=(), lab_tests=()) -> Batch:
    found = session.scalar(
        select(Batch).where(Batch.organization_id == user.organization_id, Batch.lot_code == data["lot_code"])
    )
    if found is not None:
        return found
    batch = services.create_batch(session, user, data)
    for event in events:
        services.add_event(session, user, batch, event)
    for chemical in chemicals:
        services.add_chemical(session, user, batch, chemical)
    for test in lab_tests:
        services.add_lab_test(session, user, batch, test)
    services.publish_batch(session, user, batch)
    return batch


def _leaf(session: Session, ctx, lot: str, site: str, harvest: dt.date, kg: str) -> Batch:
    user, site_obj = ctx.users["tea"], ctx.sites[site]
    return _batch(
        session,
        user,
        {
            "product_id": ctx.products["fresh_leaf"].id,
            "site_id": site_obj.id,
            "lot_code": lot,
            "quantity": Decimal(kg),
            "harvested_on": harvest,
        },
        events=[
            {
                "type": EventType.FERTILIZING,
                "occurred_at": _at(harvest - dt.timedelta(days=30), 7),
                "site_id": site_obj.id,
                "note": "Bón phân hữu cơ vi sinh",
            },
            {
                "type": EventType.HARVESTING,
                "occurred_at": _at(harvest, 6),
                "site_id": site_obj.id,
                "note": "Hái tay 1 tôm 2 lá",
            },
        ],
        chemicals=[
            {
                "applied_on": harvest - dt.timedelta(days=30),
                "trade_name": "Phân hữu cơ vi sinh Sông Gianh",
                "active_ingredient": "Hữu cơ 15%, vi sinh vật cố định đạm",
                "purpose": ChemicalPurpose.FERTILIZER,
                "dose": Decimal("500"),
                "dose_unit": "kg/ha",
                "area_treated": site_obj.area_ha,
            },
            {
                "applied_on": harvest - dt.timedelta(days=14),
                "trade_name": "Actara 25WG",
                "active_ingredient": "Thiamethoxam 25%",
                "registration_no": "Thiamethoxam 25WG (Phụ lục I, TT 25/2024)",
                "purpose": ChemicalPurpose.INSECTICIDE,
                "dose": Decimal("2"),
                "dose_unit": "g/bình 16 lít",
                "area_treated": site_obj.area_ha,
                "phi_days": 7,
            },
        ],
    )


def load(session: Session, ctx) -> None:
    """Published demo batches for the tea cooperative and the pig farm."""
    tea_user = ctx.users["tea"]
    leaf_a = _leaf(session, ctx, "CBT-261003-1", "tea_hong_thai", dt.date(2026, 10, 3), "120")
    leaf_b = _leaf(session, ctx, "CBT-261004-1", "tea_nam_tran", dt.date(2026, 10, 4), "100")
    made = dt.date(2026, 10, 5)
    ctx.extra["dried_tea_batch"] = _batch(
        session,
        tea_user,
        {
            "product_id": ctx.products["dried_tea"].id,
            "site_id": ctx.sites["tea_factory"].id,
            "lot_code": "TC-261005-A",
            "quantity": Decimal("45"),
            "produced_on": made,
            "inputs": [
                {"batch_id": leaf_a.id, "quantity": Decimal("120")},
                {"batch_id": leaf_b.id, "quantity": Decimal("100")},
            ],
        },
        events=[
            {
                "type": EventType.PROCESSING,
                "occurred_at": _at(made, 8),
                "site_id": ctx.sites["tea_factory"].id,
                "note": "Héo, vò, sao suốt bằng tay",
            },
            {
                "type": EventType.PACKING,
                "occurred_at": _at(made, 16),
                "site_id": ctx.sites["tea_factory"].id,
                "note": "Đóng gói 200 g, hút chân không",
            },
        ],
        lab_tests=[
            {
                "laboratory": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Thái Nguyên",
                "certificate_no": "KQ-2026-1187",
                "sampled_on": made,
                "reported_on": made + dt.timedelta(days=5),
                "analyte": "Dư lượng Thiamethoxam",
                "result": LabResult.PASS,
                "value": "< 0,01",
                "unit": "mg/kg",
                "limit_value": "20",
            }
        ],
    )
    barn = ctx.sites["pig_barn"]
    slaughter = dt.date(2026, 10, 10)
    ctx.extra["pork_batch"] = _batch(
        session,
        ctx.users["pigs"],
        {
            "product_id": ctx.products["pork"].id,
            "site_id": barn.id,
            "lot_code": "PB-261010-1",
            "quantity": Decimal("850"),
            "planted_on": dt.date(2026, 5, 20),
            "produced_on": slaughter,
        },
        events=[
            {
                "type": EventType.RECEIVING,
                "occurred_at": _at(dt.date(2026, 5, 20), 9),
                "site_id": barn.id,
                "note": "Nhập 12 lợn giống",
            },
            {
                "type": EventType.INSPECTING,
                "occurred_at": _at(slaughter - dt.timedelta(days=1), 14),
                "site_id": barn.id,
                "note": "Thú y kiểm tra trước giết mổ",
            },
            {"type": EventType.PROCESSING, "occurred_at": _at(slaughter, 4), "note": "Giết mổ tại cơ sở được cấp phép"},
        ],
        chemicals=[
            {
                "applied_on": dt.date(2026, 6, 1),
                "trade_name": "Vắc xin dịch tả lợn",
                "active_ingredient": "Vắc xin nhược độc",
                "purpose": ChemicalPurpose.VETERINARY_DRUG,
                "dose": Decimal("2"),
                "dose_unit": "ml/con",
                "phi_days": 21,
            }
        ],
    )
