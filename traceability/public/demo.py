"""Demo: a tea batch a consumer can scan — fresh leaf from a VietGAP hill, dried and packed with unit codes.

Idempotent: batches are found by their lot code before anything is created. The batch step of the producer
workspace may add more batches; these two exist so the consumer's page has something real to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.batches.models import (
    Batch,
    BatchInput,
    BatchStatus,
    ChemicalApplication,
    ChemicalPurpose,
    Event,
    EventType,
    LabResult,
    LabTest,
)
from traceability.codes.identifiers import new_code
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow

LEAF_LOT = "CTX-2610-01"
PACKED_LOT = "TCX-2610-A"
DEMO_SERIAL_CODES = 3


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def _batch(session: Session, ctx, lot: str, **values) -> tuple[Batch, bool]:
    org = ctx.orgs["tea"]
    found = session.scalar(select(Batch).where(Batch.organization_id == org.id, Batch.lot_code == lot))
    if found is not None:
        return found, False
    batch = Batch(
        organization_id=org.id,
        lot_code=lot,
        status=BatchStatus.PUBLISHED,
        published_at=utcnow(),
        created_by_id=ctx.users["tea"].id,
        **values,
    )
    session.add(batch)
    session.flush()
    return batch, True


def load(session: Session, ctx) -> None:
    hill, factory = ctx.sites["tea_hong_thai"], ctx.sites["tea_factory"]
    harvest = dt.date(2026, 10, 1)
    leaf, new = _batch(
        session,
        ctx,
        LEAF_LOT,
        product_id=ctx.products["fresh_leaf"].id,
        site_id=hill.id,
        quantity=Decimal("120"),
        unit="kg",
        harvested_on=harvest,
        expires_on=harvest + dt.timedelta(days=2),
    )
    if new:
        session.add_all(
            [
                Event(
                    batch_id=leaf.id,
                    type=EventType.FERTILIZING,
                    occurred_at=_at(dt.date(2026, 9, 5), 1),
                    site_id=hill.id,
                    note="Phân hữu cơ vi sinh",
                ),
                Event(
                    batch_id=leaf.id, type=EventType.SPRAYING, occurred_at=_at(dt.date(2026, 9, 20), 0), site_id=hill.id
                ),
                Event(
                    batch_id=leaf.id,
                    type=EventType.HARVESTING,
                    occurred_at=_at(harvest, 0),
                    site_id=hill.id,
                    note="Hái tay 1 tôm 2 lá",
                ),
                ChemicalApplication(
                    batch_id=leaf.id,
                    site_id=hill.id,
                    applied_on=dt.date(2026, 9, 20),
                    trade_name="Reasgant 3.6EC",
                    active_ingredient="Abamectin",
                    registration_no="BVTV-0123",
                    purpose=ChemicalPurpose.INSECTICIDE,
                    dose=Decimal("0.3"),
                    dose_unit="l/ha",
                    area_treated=Decimal("6.5"),
                    phi_days=7,
                ),
                LabTest(
                    batch_id=leaf.id,
                    laboratory="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Thái Nguyên",
                    certificate_no="KQ-2610-0457",
                    sampled_on=harvest,
                    reported_on=harvest + dt.timedelta(days=3),
                    analyte="Dư lượng Abamectin",
                    result=LabResult.PASS,
                    value="< 0,005",
                    unit="mg/kg",
                    limit_value="0,05",
                ),
            ]
        )
    issue_lot_code(session, leaf)

    produced = dt.date(2026, 10, 3)
    packed, new = _batch(
        session,
        ctx,
        PACKED_LOT,
        product_id=ctx.products["dried_tea"].id,
        site_id=factory.id,
        quantity=Decimal("24"),
        unit="kg",
        harvested_on=harvest,
        produced_on=produced,
        expires_on=produced + dt.timedelta(days=540),
    )
    if new:
        session.add_all(
            [
                BatchInput(batch_id=packed.id, input_batch_id=leaf.id, quantity=Decimal("120")),
                Event(
                    batch_id=packed.id,
                    type=EventType.PROCESSING,
                    occurred_at=_at(dt.date(2026, 10, 2), 1),
                    site_id=factory.id,
                    note="Sao suốt thủ công",
                ),
                Event(
                    batch_id=packed.id,
                    type=EventType.PACKING,
                    occurred_at=_at(produced, 2),
                    site_id=factory.id,
                    note="Gói 200 g",
                ),
            ]
        )
        for _ in range(DEMO_SERIAL_CODES):
            session.add(Code(value=new_code(), batch_id=packed.id, kind=CodeKind.SERIAL))
    issue_lot_code(session, packed)
    session.flush()
    ctx.extra["consumer_batch"] = packed
