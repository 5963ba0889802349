#!/usr/bin/env python3
"""Benchmark: the field pack of a commune with 200 batches — its size on the phone and the time to prepare it.

Builds, on top of the demo, one commune (Xã La Bằng) with 20 organisations, 40 sites and 200 published batches,
each with a lot code, 100 unit codes (20 of the batches with 2,000, over the pack's per-batch limit), 6 diary
events, 2 chemical applications, 2 lab tests, an amendment and an inspection; 20 of them are made from a lot of
another commune that was recalled, 10 received from a suspended one, and 30 have an open consumer report. A
second commune (Xã Yên Phong) has 20 such batches: the baseline in the same run, its time per batch against the
200's (a pack that grows with each batch's rows, not with a query per batch, costs the same per batch).

Times `GET /inspect/field/pack` in-process through the app (median of five, after one warm-up), counts the SQL
statements one preparation runs, and reports the size as sent and gzipped.

Run alone: `.venv/bin/python scripts/bench_field_pack.py` (SQLite in a temporary directory, or BENCH_DATABASE_URL
for an empty database of its own).
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-field-pack-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts.models import Organization, OrgKind, OrgStatus  # noqa: E402
from traceability.batches.models import (  # noqa: E402
    Amendment,
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
from traceability.codes.models import Code  # noqa: E402
from traceability.codes.services import issue_lot_code  # noqa: E402
from traceability.db import utcnow  # noqa: E402
from traceability.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from traceability.inspection.models import Inspection, InspectionResult  # noqa: E402
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus  # noqa: E402
from traceability.registry.models import Product, Site, SiteKind  # noqa: E402

BIG = ("05818", "Xã La Bằng", 200)
SMALL = ("02083", "Xã Yên Phong", 20)
INSPECTOR = "thanhtra@example.org"
EVENTS = [
    EventType.PLANTING,
    EventType.FERTILIZING,
    EventType.SPRAYING,
    EventType.HARVESTING,
    EventType.PROCESSING,
    EventType.PACKING,
]


def _org(session, commune: tuple, n: int, tax: int) -> tuple[Organization, Product, list[Site]]:
    code, name, _count = commune
    org = Organization(
        name=f"HTX Chè {name} số {n + 1}",
        kind=OrgKind.COOPERATIVE,
        tax_code=f"4609{tax:06d}",
        province="Thái Nguyên",
        commune=name,
        commune_code=code,
        address=f"Xóm {n + 1}",
        phone="0208 3855 000",
        status=OrgStatus.VERIFIED,
    )
    product = Product(organization=org, name="Chè búp khô", category_code="tea", unit="kg")
    sites = [
        Site(
            organization=org,
            kind=SiteKind.GROWING_AREA,
            name=f"Đồi chè {n}-{s}",
            province="Thái Nguyên",
            commune=name,
            commune_code=code,
            area_code=f"VN-TN-{code}-{n:02d}{s}",
        )
        for s in range(2)
    ]
    session.add_all([org, product, *sites])
    session.flush()
    return org, product, sites


def _upstream(session, status: BatchStatus, lot: str, n: int) -> Batch:
    """A lot of another commune, recalled or suspended, that some of the commune's batches come from."""
    org, product, sites = _org(session, ("05503", "Xã Tân Cương", 0), 90 + n, 9000 + n)
    batch = Batch(
        organization=org,
        product=product,
        site=sites[0],
        lot_code=lot,
        quantity=Decimal(5000),
        unit="kg",
        status=status,
        status_reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng",
        status_changed_at=utcnow(),
        published_at=utcnow(),
    )
    session.add(batch)
    session.flush()
    issue_lot_code(session, batch)
    return batch


def build(session, inspector_id: int, commune: tuple, first_tax: int, recalled=None, suspended=None) -> list[int]:
    now = utcnow()
    ids = []
    count = commune[2]
    for o in range(count // 10):
        org, product, sites = _org(session, commune, o, first_tax + o)
        for n in range(10):
            batch = Batch(
                organization=org,
                product=product,
                site=sites[n % 2],
                lot_code=f"{commune[0]}-{o:02d}-{n:03d}",
                quantity=Decimal(250),
                unit="kg",
                harvested_on=dt.date(2026, 11, 1),
                produced_on=dt.date(2026, 11, 3),
                expires_on=dt.date(2027, 11, 3),
                status=BatchStatus.PUBLISHED,
                published_at=now,
            )
            session.add(batch)
            session.flush()
            ids.append(batch.id)
            issue_lot_code(session, batch)
            units = 2000 if n == 0 else 100
            session.execute(
                insert(Code),
                [
                    {"value": f"U{batch.id:06d}{i:06d}", "batch_id": batch.id, "kind": "serial", "created_at": now}
                    for i in range(units)
                ],
            )
            for k, kind in enumerate(EVENTS):
                session.add(
                    Event(batch=batch, type=kind, occurred_at=now - dt.timedelta(days=30 - k), note="Nhật ký của hộ")
                )
            for k in range(2):
                session.add(
                    ChemicalApplication(
                        batch=batch,
                        applied_on=dt.date(2026, 10, 1 + k),
                        trade_name="Actara 25WG",
                        active_ingredient="Thiamethoxam",
                        purpose=ChemicalPurpose.INSECTICIDE,
                        phi_days=7,
                    )
                )
                session.add(
                    LabTest(
                        batch=batch,
                        laboratory="Trung tâm Kiểm nghiệm Thái Nguyên",
                        sampled_on=dt.date(2026, 10, 20),
                        analyte=f"Dư lượng {k}",
                        result=LabResult.PASS,
                    )
                )
            session.add(
                Amendment(
                    batch=batch, field="quantity", old_value="240", new_value="250", reason="Cân lại sau khi đóng gói"
                )
            )
            session.add(
                Inspection(
                    inspector_id=inspector_id,
                    batch=batch,
                    organization=org,
                    result=InspectionResult.COMPLIANT,
                    findings="Đạt yêu cầu",
                )
            )
            position = len(ids) - 1
            if recalled is not None and position % 10 == 1:
                session.add(BatchInput(batch=batch, input_batch=recalled, quantity=Decimal(10)))
            if suspended is not None and position % 20 == 2:
                session.add(BatchInput(batch=batch, input_batch=suspended, quantity=Decimal(250)))
            if position % 20 in (3, 4, 5):
                session.add(
                    ConsumerReport(
                        receipt=f"BR{batch.id:08d}",
                        batch_id=batch.id,
                        kind=ReportKind.QUALITY,
                        message="Chè có mùi lạ, lá vụn",
                        status=ReportStatus.NEW if position % 20 != 5 else ReportStatus.RESOLVED,
                    )
                )
    return ids


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    engine = app.extensions["engine"]
    migrate.upgrade(engine)
    with app.app_context():
        session = db.session
        demo = load_demo(session)
        inspector = demo.users["inspector"]
        recalled = _upstream(session, BatchStatus.RECALLED, "UP-R", 0)
        suspended = _upstream(session, BatchStatus.SUSPENDED, "UP-S", 1)
        build(session, inspector.id, BIG, 100, recalled, suspended)
        build(session, inspector.id, SMALL, 200)
        session.commit()

    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args, **_kwargs) -> None:
        statements[0] += 1

    client = app.test_client()
    assert client.post("/login", data={"email": INSPECTOR, "password": DEMO_PASSWORD}).status_code == 302
    print(f"bench_field_pack ({engine.dialect.name})")
    results = {}
    for code, name, count in (SMALL, BIG):
        path = "/inspect/field/pack?commune=" + name
        first = client.get(path, headers={"Accept": "application/json"})
        assert first.status_code == 200, (first.status_code, first.get_data(as_text=True)[:500])
        samples = []
        for _ in range(5):
            statements[0] = 0
            started = time.perf_counter()
            response = client.get(path, headers={"Accept": "application/json"})
            samples.append((time.perf_counter() - started) * 1000)
        body = response.get_data()
        pack = response.get_json()
        assert len(pack["batches"]) == count, (name, len(pack["batches"]))
        ms = statistics.median(samples)
        results[count] = ms
        print(
            f"{name} ({code}): {count} batches, {len(pack['organizations'])} organisations, "
            f"{len(pack['sites'])} sites — {ms:.0f} ms (min {min(samples):.0f}, max {max(samples):.0f}), "
            f"{ms / count:.2f} ms a batch, {statements[0]} SQL statements; "
            f"{len(body) / 1024:.0f} KB as JSON, {len(gzip.compress(body)) / 1024:.0f} KB gzipped, "
            f"{len(body) / count / 1024:.1f} KB a batch"
        )
        upstream = sum(1 for b in pack["batches"] if b.get("upstream"))
        reports = sum(len(b.get("reports") or []) for b in pack["batches"])
        if count == BIG[2]:
            print(f"  batches with an upstream warning: {upstream}; open consumer reports: {reports}")
    small, big = results[SMALL[2]], results[BIG[2]]
    print(
        f"per batch: {big / BIG[2]:.2f} ms (200) against {small / SMALL[2]:.2f} ms (20): "
        f"{(big / BIG[2]) / (small / SMALL[2]):.2f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
