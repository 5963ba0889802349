#!/usr/bin/env python3
"""Benchmark: how long a label sheet takes per code through the API route, to set LABEL_SHEET_MAX_CODES.

gunicorn's sync worker is killed after 30 s without answering (a streamed response does not reset that timer),
which leaves the client with a truncated 200. A sheet must therefore be made well within 30 s, whatever else the
2-core machine is doing. For N unit codes (1,000, then the configured cap), this times
`GET /api/v1/batches/{id}/labels.pdf?codes=serial&per_page=40` end to end, reading the whole streamed body, and
in the same run the baseline: zxing-cpp encoding the same URLs and nothing else. It prints the time per code
(wall and CPU of this process) and what the cap costs: the wall time at this run's rate, and at the worst rate
seen on this machine under load (WORST_MS_PER_CODE, docs/codes.md). The goal: the cap within a third of the
timeout at the worst rate.

Run alone: `.venv/bin/python scripts/bench_labels.py` (about 20 s; SQLite in a temporary directory unless
BENCH_DATABASE_URL is set; loopback only).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-labels-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zxingcpp  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts import services as accounts  # noqa: E402
from traceability.batches.models import Batch, BatchStatus  # noqa: E402
from traceability.codes import services  # noqa: E402
from traceability.codes.models import CodeKind  # noqa: E402
from traceability.codes.urls import url_maker  # noqa: E402
from traceability.demo import load_demo  # noqa: E402

TIMEOUT = 30.0  # gunicorn's default worker timeout
WORST_MS_PER_CODE = 2.4  # wall, 10,000 labels in 24.3 s with other work holding the second core
GOAL = TIMEOUT / 3


def timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app({"DATABASE_URL": url, "PUBLIC_BASE_URL": "https://truyxuat.thainguyen.gov.vn"})
    migrate.upgrade(app.extensions["engine"])
    cap = app.config["LABEL_SHEET_MAX_CODES"]
    with app.app_context():
        session = db.session
        demo = load_demo(session)
        org, user, product = demo.orgs["tea"], demo.users["tea"], demo.products["dried_tea"]
        token = accounts.create_token(session, user, "bench")
        batches = {}
        for n in (40, 1_000, cap):
            batch = Batch(
                organization=org,
                product=product,
                lot_code=f"BL-{n}",
                quantity=Decimal(n),
                unit="kg",
                status=BatchStatus.PUBLISHED,
                expires_on=dt.date(2027, 12, 31),
            )
            session.add(batch)
            session.flush()
            services.issue_lot_code(session, batch)
            services.issue_serial_codes(session, batch, n, user, services.IssueLimits(per_request=n))
            make_url = url_maker(batch)
            batches[n] = (batch.id, [make_url(v, CodeKind.SERIAL) for v in services.serial_values(session, batch)])
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def sheet(batch_id: int) -> None:
        response = client.get(f"/api/v1/batches/{batch_id}/labels.pdf?codes=serial&per_page=40", headers=headers)
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.response)  # the streamed body, read to the end
        assert size > 0

    sheet(batches[40][0])  # first use parses the font and fills caches
    print(f"bench_labels: database {app.extensions['engine'].dialect.name}, LABEL_SHEET_MAX_CODES = {cap:,}")
    print(f"{'codes':>7} {'sheet wall/CPU s':>17} {'zxing wall/CPU s':>17} {'ratio':>6} {'ms/code wall':>13}")
    rate = 0.0
    for n in (1_000, cap):
        batch_id, urls = batches[n]
        took = min(timed(lambda b=batch_id: sheet(b)), timed(lambda b=batch_id: sheet(b)))

        def encode_all(urls: list[str] = urls) -> None:
            for u in urls:
                zxingcpp.create_barcode(u, zxingcpp.BarcodeFormat.QRCode, ec_level="M")

        floor = min(timed(encode_all), timed(encode_all))
        rate = took[0] / n * 1000
        print(
            f"{n:>7} {took[0]:>8.2f}/{took[1]:>7.2f} {floor[0]:>8.2f}/{floor[1]:>7.2f} "
            f"{took[1] / floor[1]:>5.2f}× {rate:>13.3f}"
        )
    worst = cap * WORST_MS_PER_CODE / 1000
    verdict = "met" if worst <= GOAL else "NOT met"
    print(
        f"a sheet of {cap:,} codes: {cap * rate / 1000:.1f} s at this run's rate, {worst:.1f} s at the worst rate "
        f"seen ({WORST_MS_PER_CODE} ms/code); goal ≤ {GOAL:.0f} s (a third of gunicorn's {TIMEOUT:.0f} s): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
