"""How long `audit verify` takes (chain with keyed hashes, anchors, rows against their audited state), and what the
per-row audit entries cost an import.

    .venv/bin/python scripts/bench_audit.py

Builds an SQLite database in a temporary directory (or, with BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432,
the database `bench_audit` on that server, dropped at the end) with the demo data, measures verify on it, then
imports BENCH_BATCHES batches (default 20,000, each with two chemical applications) through the import service,
changes some through the ORM, and measures again. Baselines, measured in the same run: reading every audit entry
and every audited row with plain SELECTs (what any verification must read), and the same import with its
per-row entries left out.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from unittest import mock

TMP = tempfile.mkdtemp(prefix="bench-audit-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts.models import User  # noqa: E402
from traceability.audit import services as audit  # noqa: E402
from traceability.audit.services import set_actor  # noqa: E402
from traceability.audit.verify import _audited_tables, verify  # noqa: E402
from traceability.batches.models import Batch  # noqa: E402
from traceability.demo import load_demo  # noqa: E402
from traceability.interop.importing import import_batches  # noqa: E402

BATCHES = int(os.environ.get("BENCH_BATCHES", "20000"))
PG = os.environ.get("BENCH_PG_URL", "").rstrip("/")
RUNS = 3


def admin(sql: str) -> None:
    engine = create_engine(db.normalise_url(PG + "/postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def median_ms(work) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def read_everything(session: Session) -> None:
    session.execute(text("SELECT * FROM audit_entries ORDER BY seq")).all()
    for table in sorted(_audited_tables()):
        session.execute(text(f"SELECT * FROM {table}")).all()


def measure(session: Session, label: str) -> None:
    entries = session.scalar(text("SELECT count(*) FROM audit_entries"))
    report = verify(session)
    assert report.ok, (report.chain, report.row_problems[:5])
    base = median_ms(lambda: read_everything(session))
    chain = median_ms(lambda: verify(session, rows=False))
    full = median_ms(lambda: verify(session))
    print(f"{label}: {entries:,} entries, {report.rows_checked:,} audited rows")
    print(f"  {'baseline: SELECT every entry and audited row':<46} {base:9.0f} ms")
    print(f"  {'verify, chain only (keyed hashes)':<46} {chain:9.0f} ms   {chain / base:.1f}×")
    print(f"  {'verify, chain and rows':<46} {full:9.0f} ms   {full / base:.1f}×")


def import_file(prefix: str, product: str, area_code: str) -> bytes:
    lines = [
        "lot_code;product;site;quantity;unit;harvested_on;chemical_applied_on;chemical_trade_name;"
        "chemical_active_ingredient;chemical_purpose;chemical_dose;chemical_dose_unit;chemical_phi_days"
    ]
    for i in range(BATCHES):
        for trade, ingredient, day in (
            ("Actara 25WG", "Thiamethoxam", "01/09/2026"),
            ("Anvil 5SC", "Hexaconazole", "10/09/2026"),
        ):
            lines.append(
                f"{prefix}-{i:06d};{product};{area_code};{100 + i % 50},5;kg;15/10/2026;"
                f"{day};{trade};{ingredient};insecticide;0,1;kg/ha;7"
            )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def timed_import(session: Session, user: User, prefix: str, product: str, area_code: str) -> float:
    content = import_file(prefix, product, area_code)
    start = time.perf_counter()
    result = import_batches(session, user, content, max_rows=BATCHES * 2)
    assert result.ok, result.errors[:3]
    session.commit()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    started = time.perf_counter()
    if PG:
        admin("DROP DATABASE IF EXISTS bench_audit")
        admin("CREATE DATABASE bench_audit")
        url = PG + "/bench_audit"
    else:
        url = f"sqlite:///{TMP}/bench.db"
    app = create_app({"DATABASE_URL": url, "AUDIT_ANCHOR_MINUTES": 0})
    engine = app.extensions["engine"]
    print(f"database: {engine.dialect.name}, {BATCHES:,} batches to import")
    try:
        migrate.upgrade(engine)
        with app.app_context():
            session = db.session
            set_actor(label="bench")
            load_demo(session)
            session.commit()
            measure(session, "demo data")

            user = session.scalar(select(User).where(User.organization_id.is_not(None)).order_by(User.id))
            site = (
                user.organization
                and session.execute(
                    text("SELECT area_code FROM sites WHERE organization_id = :org AND area_code IS NOT NULL LIMIT 1"),
                    {"org": user.organization_id},
                ).scalar()
            )
            product = session.execute(
                text("SELECT name FROM products WHERE organization_id = :org LIMIT 1"), {"org": user.organization_id}
            ).scalar()
            set_actor(user)
            with mock.patch.object(audit, "record_rows", lambda *args: None):
                without = timed_import(session, user, "BASE", product, site)
            # the baseline's rows have no entries of their own: remove them before verifying
            session.execute(
                text(
                    "DELETE FROM chemical_applications WHERE batch_id IN "
                    "(SELECT id FROM batches WHERE lot_code LIKE 'BASE-%')"
                )
            )
            session.execute(text("DELETE FROM batches WHERE lot_code LIKE 'BASE-%'"))
            session.commit()
            with_rows = timed_import(session, user, "IMP", product, site)
            print(f"import of {BATCHES * 2:,} CSV rows ({BATCHES:,} batches, {BATCHES * 2:,} chemical applications):")
            print(f"  {'baseline: without per-row entries':<46} {without:9.0f} ms")
            print(f"  {'with one entry per row written':<46} {with_rows:9.0f} ms   {with_rows / without:.2f}×")

            # some everyday changes through the ORM: notes on 2,000 batches
            for batch in session.scalars(select(Batch).where(Batch.lot_code.like("IMP-%")).limit(2000)):
                batch.note = "Đã kiểm tra"
            session.commit()
            measure(session, f"demo data + {BATCHES:,} imported batches")
    finally:
        engine.dispose()
        if PG:
            admin("DROP DATABASE IF EXISTS bench_audit")
    print(f"bench_audit done in {time.perf_counter() - started:.0f} s ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
