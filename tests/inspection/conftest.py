"""Fixtures of the inspector workspace: an inspector, and batch trees to recall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from traceability.accounts.models import Role
from traceability.batches.models import Batch, BatchStatus
from traceability.public.models import ConsumerReport, ReportKind


@pytest.fixture
def inspector(make_user):
    return make_user(Role.INSPECTOR, full_name="Nguyễn Văn Kiểm")


@dataclass
class Tree:
    """leaf (fresh tea) → processed (dried tea, another cooperative) → packed (a shop's gift box)."""

    leaf: Batch
    other_leaf: Batch
    processed: Batch
    packed: Batch


@pytest.fixture
def tree(make_org, make_batch, make_user, make_site) -> Tree:
    grower = make_org(name="HTX Chè Tân Cương", phone="0208 3855 123", email="htx@example.org")
    processor = make_org(name="Công ty Chè Sông Cầu", phone="0912 000 111", commune="Sông Cầu")
    shop = make_org(name="Cửa hàng Đặc sản Thái Nguyên", commune="Phan Đình Phùng")
    make_user(Role.PRODUCER, processor, full_name="Lê Thị Chế", email="che@example.org", phone="0912 222 333")
    published = BatchStatus.PUBLISHED
    leaf = make_batch(grower, status=published, lot_code="LEAF-1")
    other_leaf = make_batch(grower, status=published, lot_code="LEAF-2")
    processed = make_batch(processor, status=published, lot_code="DRY-1", inputs=[(leaf, 60), (other_leaf, 40)])
    packed = make_batch(shop, status=published, lot_code="BOX-1", inputs=[(processed, 20)])
    return Tree(leaf=leaf, other_leaf=other_leaf, processed=processed, packed=packed)


@pytest.fixture
def make_report(db_session):
    counter = iter(range(1, 10_000))

    def _make(batch: Batch | None = None, kind: ReportKind = ReportKind.QUALITY, **values: Any) -> ConsumerReport:
        report = ConsumerReport(
            receipt=values.pop("receipt", f"RC{next(counter):08d}"),
            batch=batch,
            kind=kind,
            message=values.pop("message", "Chè có mùi lạ, màu nước đục."),
            **values,
        )
        db_session.add(report)
        db_session.flush()
        return report

    return _make
