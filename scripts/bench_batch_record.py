#!/usr/bin/env python3
"""Benchmark: the inspector's record of a batch with 100,000 unit codes, and the producer's codes page.

Builds one published batch with 100,000 unit codes (every tenth revoked) and 200,000 scans spread over 20,000 of
them, plus 500 other batches of 20 codes each, in SQLite in a temporary directory (or BENCH_DATABASE_URL). Then
times `GET /inspect/batches/{id}` and `GET /app/batches/{id}/codes` through the app (median of five, after one
warm-up) and reports their size, against a baseline measured in the same run: one `SELECT count(*)` over the
codes table. Before these pages summarised and paged, the inspector's page weighed 9 MB and took 4.5 s.

Run alone: `.venv/bin/python scripts/bench_batch_record.py` (about half a minute; loopback only).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-batch-record-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.batches.models import Batch, BatchStatus  # noqa: E402
from traceability.codes import services  # noqa: E402
from traceability.codes.models import Code, Scan  # noqa: E402
from traceability.db import utcnow  # noqa: E402
from traceability.demo import DEMO_PASSWORD, load_demo  # noqa: E402

UNITS = 100_000
SCANS = 200_000
INSPECTOR = "thanhtra@example.org"  # the demo's inspector


def build(session, org, product) -> int:
    now = utcnow()
    batches = []
    for n in range(501):
        batch = Batch(
            organization=org,
            product=product,
            lot_code=f"BR-{n}",
            quantity=Decimal(1),
            unit="kg",
            status=BatchStatus.PUBLISHED,
            published_at=now,
        )
        session.add(batch)
        batches.append(batch)
    session.flush()
    big = batches[0]
    rows = [
        {
            "value": f"B{i:012d}",
            "batch_id": big.id,
            "kind": "serial",
            "created_at": now,
            "revoked_at": now if i % 10 == 0 else None,
        }
        for i in range(1, UNITS + 1)
    ]
    rows += [
        {"value": f"S{b.id:06d}{j:06d}", "batch_id": b.id, "kind": "serial", "created_at": now, "revoked_at": None}
        for b in batches[1:]
        for j in range(20)
    ]
    session.execute(insert(Code), rows)
    first = session.scalar(select(Code.id).where(Code.value == "B000000000001"))
    session.execute(
        insert(Scan),
        [
            {
                "code_id": first + i % 20_000,
                "client_hash": f"c{i % 7}",
                "scanned_at": now - dt.timedelta(minutes=i),
                "user_agent_family": None,
            }
            for i in range(SCANS)
        ],
    )
    for batch in batches[:1]:
        services.issue_lot_code(session, batch)
    return big.id


def median_ms(client, url: str) -> tuple[float, int]:
    response = client.get(url)  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, response.status_code
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), len(response.get_data())


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    settings = {"DATABASE_URL": url, "PUBLIC_BASE_URL": "http://localhost", "WTF_CSRF_ENABLED": False}
    app = create_app({**settings, "RATELIMIT_ENABLED": False})
    migrate.upgrade(app.extensions["engine"])
    with app.app_context():
        session = db.session
        demo = load_demo(session)
        org, producer, product = demo.orgs["tea"], demo.users["tea"], demo.products["dried_tea"]
        started = time.perf_counter()
        big = build(session, org, product)
        session.commit()
        print(
            f"bench_batch_record: built {UNITS:,} unit codes and {SCANS:,} scans in "
            f"{time.perf_counter() - started:.1f} s ({app.extensions['engine'].dialect.name})"
        )
        baseline = []
        for _ in range(5):
            started = time.perf_counter()
            session.execute(text("SELECT count(*) FROM codes")).scalar()
            baseline.append((time.perf_counter() - started) * 1000)
        base = statistics.median(baseline)
        producer_email = producer.email
    inspector = app.test_client()
    assert inspector.post("/login", data={"email": INSPECTOR, "password": DEMO_PASSWORD}).status_code == 302
    results = {"inspector's batch record": median_ms(inspector, f"/inspect/batches/{big}")}
    owner = app.test_client()
    assert owner.post("/login", data={"email": producer_email, "password": DEMO_PASSWORD}).status_code == 302
    results["producer's codes page"] = median_ms(owner, f"/app/batches/{big}/codes")
    print(f"baseline: SELECT count(*) over the codes table = {base:.1f} ms")
    for name, (ms, size) in results.items():
        print(f"{name:<28} {ms:8.1f} ms {ms / base:7.1f}× baseline {size / 1000:8.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
