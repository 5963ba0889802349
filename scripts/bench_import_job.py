#!/usr/bin/env python3
"""Benchmark: a CSV import of 10,000 rows in the request against the same import handed to the worker.

Loads the demo (SQLite in a temporary directory, or BENCH_DATABASE_URL), then sends a file of BENCH_ROWS rows
(10,000 by default: 5,000 batches with two chemical applications each) to `POST /api/v1/batches/import` twice:
once checked and written in the request (IMPORT_INLINE_ROWS above the file's length; the baseline), once handed
to the worker (IMPORT_INLINE_ROWS=0) and run here as `traceability worker` would. Reports how long the client
waits for its answer in each case, and the worker's time, as ratios of the baseline.

Run alone: `.venv/bin/python scripts/bench_import_job.py` (under a minute on 2 cores; loopback only).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-import-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts.services import create_token  # noqa: E402
from traceability.demo import load_demo  # noqa: E402
from traceability.jobs.queue import huey  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))


def import_file(prefix: str, product: str) -> bytes:
    lines = [
        "lot_code;product;quantity;unit;harvested_on;chemical_applied_on;chemical_trade_name;"
        "chemical_active_ingredient;chemical_purpose;chemical_dose;chemical_dose_unit;chemical_phi_days"
    ]
    for i in range(ROWS // 2):
        for trade, ingredient, day in (
            ("Actara 25WG", "Thiamethoxam", "01/09/2026"),
            ("Anvil 5SC", "Hexaconazole", "10/09/2026"),
        ):
            lines.append(
                f"{prefix}-{i:06d};{product};{100 + i % 50},5;kg;15/10/2026;{day};{trade};{ingredient};"
                "insecticide;0,1;kg/ha;7"
            )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app({"DATABASE_URL": url, "PUBLIC_BASE_URL": "http://localhost", "RATELIMIT_ENABLED": False})
    migrate.upgrade(app.extensions["engine"])
    huey.flush()
    with app.app_context():
        demo = load_demo(db.session)
        user, product = demo.users["tea"], demo.products["dried_tea"]
        token, product_name = create_token(db.session, user, "bench"), product.name
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    print(f"CSV import of {ROWS:,} rows ({ROWS // 2:,} batches, two chemical applications each), {url.split(':')[0]}:")

    app.config["IMPORT_INLINE_ROWS"] = ROWS * 10
    started = time.perf_counter()
    inline = client.post("/api/v1/batches/import", data=import_file("INL", product_name), headers=headers)
    inline_s = time.perf_counter() - started
    assert inline.status_code == 201, inline.get_json()

    app.config["IMPORT_INLINE_ROWS"] = 0
    started = time.perf_counter()
    queued = client.post("/api/v1/batches/import", data=import_file("JOB", product_name), headers=headers)
    answer_s = time.perf_counter() - started
    assert queued.status_code == 202, queued.get_json()
    started = time.perf_counter()
    with app.app_context():
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
    worker_s = time.perf_counter() - started
    status = client.get(queued.headers["Location"], headers=headers).get_json()
    assert status["status"] == "done", status

    print(f"  {'in the request (baseline): the client waits':<48} {inline_s * 1000:8.0f} ms   1.00×")
    print(
        f"  {'as a job: the client has its answer (202) after':<48} {answer_s * 1000:8.0f} ms   "
        f"{answer_s / inline_s:.2f}×"
    )
    print(f"  {'as a job: the worker checks and writes in':<48} {worker_s * 1000:8.0f} ms   {worker_s / inline_s:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
