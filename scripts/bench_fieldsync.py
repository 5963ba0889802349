#!/usr/bin/env python3
"""Benchmark: a phone back in signal sends 20 inspections with a photo each (1600×1200 JPEG, as the phone
shrinks them), the way static/js/field.js does: each inspection under its key, then each photo under its key.

Then it sends everything again (a phone whose answers were lost): nothing is added. Baseline in the same run:
the same 20 inspections and photos through the plain endpoints (`POST /api/v1/inspections`, then
`POST …/photos`), without keys. Through the app's test client, on SQLite in a temporary directory (or
BENCH_DATABASE_URL).

Run alone: `.venv/bin/python scripts/bench_fieldsync.py`.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-fieldsync-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts import services as accounts  # noqa: E402
from traceability.batches.models import Batch, BatchStatus  # noqa: E402
from traceability.demo import load_demo  # noqa: E402
from traceability.inspection.models import Inspection  # noqa: E402

COUNT = 20


def photo(seed: int) -> bytes:
    """About 300 KB, like a phone photo shrunk to 1600 px: a scene's gradients with some grain."""
    scene = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    grain = Image.effect_noise((1600, 1200), 12 + seed % 5).convert("RGB")
    out = io.BytesIO()
    Image.blend(scene, grain, 0.25).save(out, "JPEG", quality=85)
    return out.getvalue()


def body(batch_id: int, n: int) -> dict:
    return {
        "batch_id": batch_id,
        "result": "minor_issue",
        "findings": f"Nhãn phụ thiếu thông tin, lần kiểm tra {n}",
        "latitude": "21.573810",
        "longitude": "105.758420",
        "samples": [{"sample_code": f"M-{n:03d}", "laboratory": "Trung tâm Kiểm nghiệm Thái Nguyên"}],
        "inspected_at": "2026-11-30T02:00:00Z",
    }


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app({"DATABASE_URL": url, "PUBLIC_BASE_URL": "http://localhost", "RATELIMIT_ENABLED": False})
    migrate.upgrade(app.extensions["engine"])
    with app.app_context():
        demo = load_demo(db.session)
        token = accounts.create_token(db.session, demo.users["inspector"], "bench")
        batch_id = db.session.scalar(select(Batch.id).where(Batch.status == BatchStatus.PUBLISHED).limit(1))
        db.session.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    photos = [photo(n) for n in range(COUNT)]

    def plain() -> None:
        for n in range(COUNT):
            made = client.post("/api/v1/inspections", json=body(batch_id, n), headers=auth)
            assert made.status_code == 201, made.get_json()
            added = client.post(
                f"/api/v1/inspections/{made.get_json()['id']}/photos",
                data={"photos": (io.BytesIO(photos[n]), "p.jpg")},
                content_type="multipart/form-data",
                headers=auth,
            )
            assert added.status_code == 200, added.get_json()

    keys = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(COUNT)]

    def keyed(expect: int) -> None:
        for n, (key, photo_key) in enumerate(keys):
            made = client.post("/api/v1/inspections", json={**body(batch_id, n), "client_key": key}, headers=auth)
            assert made.status_code == expect, made.get_json()
            added = client.put(
                f"/api/v1/inspections/{made.get_json()['id']}/photos/{photo_key}",
                data={"photo": (io.BytesIO(photos[n]), "p.jpg")},
                content_type="multipart/form-data",
                headers=auth,
            )
            assert added.status_code == 200 and len(added.get_json()["photos"]) == 1, added.get_json()

    timings = {}
    for name, run in (
        ("baseline: plain endpoints", plain),
        ("sync with keys", lambda: keyed(201)),
        ("the same sync repeated", lambda: keyed(200)),
    ):
        started = time.perf_counter()
        run()
        timings[name] = time.perf_counter() - started
    with app.app_context():
        total = db.session.scalar(
            select(func.count()).select_from(Inspection).where(Inspection.client_key.is_not(None))
        )
    assert total == COUNT, total
    size = sum(len(p) for p in photos) / COUNT / 1000
    base = timings["baseline: plain endpoints"]
    print(
        f"bench_fieldsync ({app.extensions['engine'].dialect.name}): {COUNT} inspections, one {size:.0f} KB photo each"
    )
    for name, seconds in timings.items():
        print(f"{name:<28} {seconds * 1000:8.0f} ms {seconds / base:5.2f}× baseline")
    print(f"inspections kept with keys after the repeat: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
