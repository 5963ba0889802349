#!/usr/bin/env python3
"""Benchmark: the field pack of a commune with 200 batches — its size on the phone and the time to prepare it.

Builds, on top of the demo, one commune with 20 organisations, 40 sites and 200 published batches, each with a
lot code, 100 unit codes (10 of the batches with 2,000, over the pack's per-batch limit), 6 diary events,
2 chemical applications, 2 lab tests, an amendment and an inspection. Times `GET /inspect/field/pack` through the
app (median of five, after one warm-up) and reports its size as sent and gzipped, against a baseline measured in
the same run: reading the same 200 batches' rows (`SELECT * FROM batches WHERE id IN …`).

Run alone: `.venv/bin/python scripts/bench_fieldpack.py` (SQLite in a temporary directory, or BENCH_DATABASE_URL).
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

TMP = tempfile.mkdtemp(prefix="bench-fieldpack-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts.models import Organization, OrgKind, OrgStatus  # noqa: E402
from traceability.batches.models import (  # noqa: E402
    Amendment,
    Batch,
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
from traceability.registry.models import Product, Site, SiteKind  # noqa: E402

COMMUNE = "Xã Phúc Xuân"
BATCHES = 200
INSPECTOR = "thanhtra@example.org"


def build(session, inspector_id: int) -> list[int]:
    now = utcnow()
    ids = []
    for o in range(20):
        org = Organization(
            name=f"HTX Chè Phúc Xuân số {o + 1}",
            kind=OrgKind.COOPERATIVE,
            tax_code=f"46099{o:05d}",
            province="Thái Nguyên",
            commune=COMMUNE,
            address=f"Xóm {o + 1}",
            phone="0208 3855 000",
            status=OrgStatus.VERIFIED,
        )
        product = Product(organization=org, name="Chè búp khô", category="tea", unit="kg")
        sites = [
            Site(
                organization=org,
                kind=SiteKind.GROWING_AREA,
                name=f"Đồi chè {o}-{s}",
                province="Thái Nguyên",
                commune=COMMUNE,
                area_code=f"VN-TN-PX-{o:02d}{s}",
            )
            for s in range(2)
        ]
        session.add_all([org, product, *sites])
        session.flush()
        for n in range(BATCHES // 20):
            batch = Batch(
                organization=org,
                product=product,
                site=sites[n % 2],
                lot_code=f"PX-{o:02d}-{n:03d}",
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
            for k, kind in enumerate(
                [
                    EventType.PLANTING,
                    EventType.FERTILIZING,
                    EventType.SPRAYING,
                    EventType.HARVESTING,
                    EventType.PROCESSING,
                    EventType.PACKING,
                ]
            ):
                session.add(
                    Event(
                        batch=batch,
                        type=kind,
                        occurred_at=now - dt.timedelta(days=30 - k),
                        note="Ghi chép nhật ký sản xuất của hộ",
                    )
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
    migrate.upgrade(app.extensions["engine"])
    with app.app_context():
        session = db.session
        demo = load_demo(session)
        inspector = demo.users["inspector"]
        ids = build(session, inspector.id)
        session.commit()
        baseline = []
        for _ in range(5):
            started = time.perf_counter()
            rows = session.execute(select(Batch.__table__).where(Batch.id.in_(ids))).all()
            baseline.append((time.perf_counter() - started) * 1000)
            session.rollback()
        assert len(rows) == BATCHES
        base = statistics.median(baseline)
    client = app.test_client()
    assert client.post("/login", data={"email": INSPECTOR, "password": DEMO_PASSWORD}).status_code == 302
    url = "/inspect/field/pack?commune=" + COMMUNE
    first = client.get(url, headers={"Accept": "application/json"})
    assert first.status_code == 200, first.status_code
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url, headers={"Accept": "application/json"})
        samples.append((time.perf_counter() - started) * 1000)
    body = response.get_data()
    pack = response.get_json()
    ms = statistics.median(samples)
    print(
        f"bench_fieldpack ({app.extensions['engine'].dialect.name}): {len(pack['batches'])} batches, "
        f"{len(pack['organizations'])} organisations, {len(pack['sites'])} sites"
    )
    print(f"baseline: reading the 200 batches' rows = {base:.1f} ms")
    print(
        f"field pack: {ms:.1f} ms ({ms / base:.0f}× baseline), {len(body) / 1000:.0f} KB as JSON, "
        f"{len(gzip.compress(body)) / 1000:.0f} KB gzipped, {len(body) / BATCHES / 1000:.1f} KB a batch"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
