#!/usr/bin/env python3
"""Benchmark: a label sheet of 100,000 unit codes made as a background job, end to end.

Builds a published batch with 100,000 unit codes (SQLite in a temporary directory, or BENCH_DATABASE_URL),
starts `traceability worker` as its own process, asks for the whole sheet as the producer's page does
(`POST /app/batches/{id}/labels/job`), polls `GET /api/v1/jobs/{id}` until it is done and downloads the file.
Reports the time from the request to the download, the worker's peak memory (VmHWM of its process), and the file's
size; and, as the baseline measured in the same run, the same label code making 10,000 labels in this process
with no job around it, scaled to the run's length.

Run alone: `.venv/bin/python scripts/bench_jobs.py` (about two minutes on 2 cores; loopback only).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-jobs-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.batches.models import Batch, BatchStatus  # noqa: E402
from traceability.codes import services  # noqa: E402
from traceability.codes.identifiers import grouped, new_code  # noqa: E402
from traceability.codes.labels import label_sheet_chunks  # noqa: E402
from traceability.codes.models import Code, CodeKind  # noqa: E402
from traceability.codes.urls import url_maker  # noqa: E402
from traceability.db import utcnow  # noqa: E402
from traceability.demo import DEMO_PASSWORD, load_demo  # noqa: E402

UNITS = 100_000
BASELINE = 10_000


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "http://localhost",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    migrate.upgrade(app.extensions["engine"])
    with app.app_context():
        session = db.session
        demo = load_demo(session)
        org, producer, product = demo.orgs["tea"], demo.users["tea"], demo.products["dried_tea"]
        batch = Batch(
            organization=org,
            product=product,
            lot_code="BENCH-JOB",
            quantity=1,
            unit="kg",
            status=BatchStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        now = utcnow()
        values = [new_code() for _ in range(UNITS)]
        session.execute(
            insert(Code), [{"value": v, "batch_id": batch.id, "kind": "serial", "created_at": now} for v in values]
        )
        services.issue_lot_code(session, batch)
        session.commit()
        batch_id, email = batch.id, producer.email

        make_url, text = url_maker(batch), services.label_text(batch)
        started = time.perf_counter()
        size = sum(
            len(c)
            for c in label_sheet_chunks(
                ((make_url(v, CodeKind.SERIAL), grouped(v)) for v in values[:BASELINE]), text, 40, "baseline"
            )
        )
        base_s = (time.perf_counter() - started) * UNITS / BASELINE

    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": TMP, "PUBLIC_BASE_URL": "http://localhost"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "traceability.cli", "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
        started = time.perf_counter()
        response = client.post(f"/app/batches/{batch_id}/labels/job", data={"per_page": "40"})
        assert response.status_code == 302, response.status_code
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        while True:
            page = client.get(f"/app/jobs/{job_id}").get_data(as_text=True)
            if 'id="job-download"' in page:
                break
            assert 'id="job-failed"' not in page, page
            if worker.poll() is not None:
                raise SystemExit("the worker stopped")
            time.sleep(0.5)
        download = client.get(f"/app/jobs/{job_id}/download")
        assert download.status_code == 200
        file_size = len(download.data)
        took = time.perf_counter() - started
        peak = peak_kb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"bench_jobs: {UNITS:,}-label sheet as a job ({app.extensions['engine'].dialect.name})")
    print(
        f"baseline: the same labels made in-process, no job = {base_s:.1f} s "
        f"(from {BASELINE:,} labels, {size / BASELINE:.0f} bytes a label)"
    )
    print(f"job end to end (request → worker → download) {took:8.1f} s {took / base_s:6.2f}× baseline")
    print(f"worker peak memory (VmHWM)                  {peak / 1024:8.1f} MB")
    print(f"file size                                   {file_size / 1e6:8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
