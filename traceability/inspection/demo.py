"""Demo data of the inspector workspace: a field check of the tea cooperative's VietGAP hill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.inspection.models import Inspection, InspectionAction, InspectionResult, InspectionSample


def load(session: Session, ctx) -> None:
    inspector = ctx.users["inspector"]
    site = ctx.sites["tea_hong_thai"]
    exists = session.scalar(
        select(Inspection.id).where(Inspection.inspector_id == inspector.id, Inspection.site_id == site.id)
    )
    if exists:
        return
    session.add(
        Inspection(
            inspector=inspector,
            site=site,
            organization=site.organization,
            inspected_at=dt.datetime(2026, 9, 18, 2, 30, tzinfo=dt.UTC),
            latitude=Decimal("21.573790"),
            longitude=Decimal("105.758390"),
            result=InspectionResult.COMPLIANT,
            findings="Nhật ký sản xuất ghi đầy đủ; kho vật tư có khóa, không thấy thuốc ngoài danh mục.",
            action=InspectionAction.NONE,
            samples=[InspectionSample(sample_code="TN-2026-0918-01", laboratory="Trung tâm Kiểm nghiệm Thái Nguyên")],
        )
    )
    session.flush()
