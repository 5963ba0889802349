"""Scans of a lot code on the real server (gunicorn, two worker processes, scans written in batches)."""

from __future__ import annotations

import time
import urllib.request

from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.models import Scan
from traceability.db import utcnow

from .test_public_pages import _publish

PHONE = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "Mozilla/5.0 (Android) Chrome/120"}


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=PHONE)  # noqa: S310  (loopback only)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (loopback only)
        return response.status, response.read().decode()


def _scans(live_db, code) -> int:
    count = live_db.scalar(select(func.count()).select_from(Scan).where(Scan.code_id == code.id))
    live_db.rollback()  # let go of the database: the server is writing scans
    return count


def test_every_scan_is_written_and_a_suspension_shows_at_once_in_every_worker(live_server, live_db):
    batch, code = _publish(live_db, "Chè Tân Cương đặc biệt", "Xưởng sao chè HTX")
    url = f"{live_server.url}/c/{code.value}"
    pages = [_get(url) for _ in range(20)]  # both workers answer some; most from memory
    assert {status for status, _ in pages} == {200}
    assert len({body for _, body in pages}) == 1

    deadline = time.monotonic() + 10
    while _scans(live_db, code) < 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _scans(live_db, code) == 20  # each written within the write delay, none lost, none twice

    batch = live_db.merge(batch)
    batch.status, batch.status_reason, batch.status_changed_at = BatchStatus.SUSPENDED, "Kiểm tra mẫu", utcnow()
    live_db.commit()
    after = [_get(url)[1] for _ in range(6)]
    assert all("Tạm dừng lưu thông" in body and "Kiểm tra mẫu" in body for body in after)
