"""How fast the inspector's figures and a recall are on a province-sized data set (SQLite, in a temp dir).

Builds a year of data — 20,000 published batches with a lot code each, 400,000 unit codes, 2,000,000 scans spread
over the year before "now" (so most of them are old), 3,000 inspections, 2,000 reports and a recall tree of 1,051
batches — then times the dashboard, the yearly report (the province's, with its table by agency, and an agency's
covering tea), the alert queue and listing what a recall reaches, each against a baseline measured in the same
run: one `SELECT count(*)` over the scans table.
Half the scans are of lot codes (many phones each, which is normal); the unit codes are scanned a few times by one
or two phones, except 40 copied ones scanned by 30 phones each: 20 in the last weeks, 20 only months ago.
Run alone: `.venv/bin/python scripts/bench_inspection.py` (about a minute, loopback only: no network).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("INSTANCE_PATH", SCRATCH := tempfile.mkdtemp(prefix="bench-inspection-"))
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.models import (
    Batch,
    BatchInput,
    Code,
    ConsumerReport,
    Inspection,
    Organization,
    Product,
    Site,
    User,
)

random.seed(2026)
UTC = dt.UTC
YEAR_START = dt.datetime(2025, 1, 2, tzinfo=UTC)  # clear of the year's edges in local time
COMMUNES = ["Tân Cương", "Phúc Xuân", "La Bằng", "Phú Bình", "Đại Từ", "Sông Cầu", "Võ Nhai", "Định Hóa"]
CATEGORIES = ["tea", "fruit", "pork", "chicken_eggs", "cinnamon", "timber"]  # codes of the shipped list
BATCHES, SERIALS, SCANS, INSPECTIONS, REPORTS = 20_000, 400_000, 2_000_000, 3_000, 2_000
COPIED, COPIED_CLIENTS = 40, 30  # the last unit codes: scanned by many phones
NOW = dt.datetime(2026, 1, 15, tzinfo=UTC)


def when() -> dt.datetime:
    return YEAR_START + dt.timedelta(seconds=random.randrange(360 * 86400))


def scanned_at(max_days: float, min_days: float = 0) -> str:
    """A time that many days before NOW, as UTCDateTime stores it on SQLite (the rows go straight to the driver)."""
    at = NOW - dt.timedelta(seconds=random.uniform(min_days * 86400, max_days * 86400))
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def scans() -> list[tuple[int, str, str]]:
    """(code id, scanned at, client hash) rows: ordinary traffic over a year, then the copied unit codes."""
    first_serial, first_copied = BATCHES + 1, BATCHES + SERIALS - COPIED + 1
    rows = []
    for _ in range(SCANS // 2):
        rows.append((random.randrange(1, BATCHES + 1), scanned_at(365), f"{random.randrange(200_000)}"))
        code = random.randrange(first_serial, first_copied)
        rows.append((code, scanned_at(365), f"{code}-{random.randrange(2)}"))  # the buyer, the shop
    for k in range(COPIED):
        recent = k % 2 == 0
        for client in range(COPIED_CLIENTS):
            at = scanned_at(20) if recent else scanned_at(300, 60)
            rows.append((first_copied + k, at, f"copy-{k}-{client}"))
    rows.sort(key=lambda row: row[1])  # insert-only table: rows arrive in time order
    return rows


def build(session: Session) -> int:
    """The data set; returns the id of the root of the recall tree."""
    session.execute(
        insert(Organization),
        [
            {
                "id": i,
                "name": f"Cơ sở {i}",
                "kind": "cooperative",
                "tax_code": f"46{i:08d}",
                "province": "Thái Nguyên",
                "commune": COMMUNES[i % len(COMMUNES)],
                "address": "—",
                "status": "verified",
                "created_at": when(),
            }
            for i in range(1, 201)
        ],
    )
    session.execute(
        insert(User),
        [
            {
                "id": 1,
                "email": "bench@example.org",
                "password_hash": "-",
                "full_name": "Thanh tra",
                "role": "inspector",
                "is_active": True,
                "created_at": when(),
            }
        ],
    )
    session.execute(
        insert(Product),
        [
            {
                "id": i,
                "organization_id": 1 + i % 200,
                "name": f"Sản phẩm {i}",
                "category_code": CATEGORIES[i % 6],
                "unit": "kg",
                "created_at": when(),
            }
            for i in range(1, 401)
        ],
    )
    session.execute(
        insert(Site),
        [
            {
                "id": i,
                "organization_id": 1 + i % 200,
                "kind": "farm",
                "name": f"Đồi {i}",
                "province": "Thái Nguyên",
                "commune": COMMUNES[(i * 7) % len(COMMUNES)],
                "created_at": when(),
            }
            for i in range(1, 401)
        ],
    )
    rows = []
    for i in range(1, BATCHES + 1):
        at = when()
        product = 1 + i % 400
        rows.append(
            {
                "id": i,
                "organization_id": 1 + product % 200,
                "product_id": product,
                "site_id": product,
                "lot_code": f"L{i:06d}",
                "quantity": 10,
                "unit": "kg",
                "status": "published",
                "published_at": at,
                "created_at": at,
                "updated_at": at,
            }
        )
    session.execute(insert(Batch), rows)
    # the recall tree: batch 1 → 50 batches → 20 batches each
    edges = [{"batch_id": 1 + k, "input_batch_id": 1, "quantity": 1} for k in range(1, 51)]
    next_id = 52
    for middle in range(2, 52):
        for _ in range(20):
            edges.append({"batch_id": next_id, "input_batch_id": middle, "quantity": 1})
            next_id += 1
    session.execute(insert(BatchInput), edges)
    session.execute(
        insert(Code),
        [
            {"id": i, "value": f"{i:013d}", "batch_id": i, "kind": "lot", "created_at": when()}
            for i in range(1, BATCHES + 1)
        ]
        + [
            {
                "id": BATCHES + i,
                "value": f"S{i:012d}",
                "batch_id": 1 + i % BATCHES,
                "kind": "serial",
                "created_at": when(),
            }
            for i in range(1, SERIALS + 1)
        ],
    )
    session.connection().exec_driver_sql(
        "INSERT INTO scans (code_id, scanned_at, client_hash) VALUES (?, ?, ?)", scans()
    )
    session.execute(
        insert(Inspection),
        [
            {
                "inspector_id": 1,
                "batch_id": random.randrange(1, BATCHES),
                "organization_id": 1,
                "inspected_at": when(),
                "result": random.choice(["compliant", "minor_issue", "violation"]),
                "action": "none",
                "photos": [],
                "created_at": when(),
            }
            for _ in range(INSPECTIONS)
        ],
    )
    session.execute(
        insert(ConsumerReport),
        [
            {
                "receipt": f"R{i:09d}",
                "batch_id": random.randrange(1, BATCHES),
                "kind": random.choice(["suspected_fake", "quality", "labelling", "other"]),
                "message": "…",
                "status": "new",
                "created_at": when(),
                "updated_at": when(),
            }
            for i in range(REPORTS)
        ],
    )
    session.commit()
    return 1


def tea_inspector(session: Session) -> User:
    """An inspector of an agency covering tea in every commune."""
    from traceability.reference.models import Agency, AgencyKind, ProductCategory

    tea = session.scalar(select(ProductCategory).where(ProductCategory.code == "tea"))
    agency = Agency(name="Chi cục Chè", kind=AgencyKind.AGRICULTURE_ENVIRONMENT, categories=[tea])
    session.add(agency)
    session.flush()
    user = session.get(User, 1)
    user.agency_id = agency.id
    session.commit()
    return user


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of `fn`, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    from traceability.inspection.alerts import alerts
    from traceability.inspection.figures import Period, dashboard, yearly_report
    from traceability.inspection.scope import scope_filter
    from traceability.inspection.services import affected_by

    path = Path(os.environ["INSTANCE_PATH"]) / "bench.db"
    engine = db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    # the default copy settings (traceability/config.py), which the copied codes above are built around
    config = {"COPY_CLIENT_THRESHOLD": 5, "COPY_ALERT_WINDOW_DAYS": 30}
    try:
        with Session(engine) as session:
            started = time.perf_counter()
            root = build(session)
            print(f"built the data set in {time.perf_counter() - started:.1f} s")
            year = Period.year(2025)
            now, today = NOW, NOW.date()
            root_batch = session.get(Batch, root)
            baseline = timed(lambda: session.execute(text("SELECT count(*) FROM scans")).scalar())
            in_scope = scope_filter(session, tea_inspector(session))  # a sixth of the batches
            results = {
                "dashboard (a year)": timed(lambda: dashboard(session, year)),
                "dashboard, an agency's": timed(lambda: dashboard(session, year, in_scope)),
                "yearly report (a year)": timed(lambda: yearly_report(session, year)),
                "yearly report, by agency": timed(lambda: yearly_report(session, year, by_agency=True)),
                "yearly report, an agency's": timed(lambda: yearly_report(session, year, in_scope)),
                "alert queue": timed(lambda: alerts(session, now, today, config)),
                "recall reach (1,050 batches)": timed(lambda: affected_by(session, root_batch)),
            }
            assert len(affected_by(session, root_batch)) == 1_050
            batches = session.scalar(select(text("count(*)")).select_from(Batch))
            assert dashboard(session, year).batches_total == batches
            tea = select(text("count(*)")).select_from(Batch).join(Product).where(Product.category_code == "tea")
            assert dashboard(session, year, in_scope).batches_total == session.scalar(tea)
            suspects = alerts(session, now, today, config).copy_suspects
            recent_copies = {BATCHES + SERIALS - COPIED + 1 + k for k in range(0, COPIED, 2)}
            assert {s.code.id for s in suspects} == recent_copies, "the alert lists the copies scanned lately"
    finally:
        engine.dispose()
        for file in path.parent.glob("bench.db*"):  # half a gigabyte: not worth keeping
            file.unlink()
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"baseline: SELECT count(*) over {SCANS:,} scans = {baseline:.1f} ms")
    for name, ms in results.items():
        print(f"{name:<32} {ms:8.1f} ms   {ms / baseline:6.1f}× baseline")


if __name__ == "__main__":
    main()
