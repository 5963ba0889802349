"""What the `scans` table's schema (indexes, foreign key, counting trigger) adds to writing scans.

    .venv/bin/python scripts/bench_scan_writes.py

Also run by `make bench`. Migrates a throwaway SQLite database (or BENCH_DATABASE_URL, a PostgreSQL database it
may wipe), loads the demo and adds BENCH_SCAN_ROWS scans (default 200,000) of the demo's lot codes. Then it
writes batches of 1,000 scans as the scan writer does (`public/scans.py` `_insert`: COPY on PostgreSQL), in
turns with the baseline, measured in the same run: the same rows by the same statement into a bare copy of the
table (its columns, no index, key or trigger). Three kinds of batch: a lot code scanned by 1,000 clients (what a
busy day looks like), a lot code scanned by one client (the page benchmark's case, `bench_public.py`) and a unit
code scanned by 1,000 clients (each new: the counter's work at its largest). It prints the median time per batch:
the database's CPU on PostgreSQL (its process on this machine, read from /proc), the process's own CPU on SQLite
(the database runs in it), and the ratio to the bare table.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-scan-writes-")
os.environ.setdefault("INSTANCE_PATH", TMP)

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from traceability import db, migrate  # noqa: E402
from traceability.codes.models import Code, CodeKind  # noqa: E402
from traceability.demo import load_demo  # noqa: E402
from traceability.public.scans import PendingScan, _insert  # noqa: E402

ROWS = int(os.environ.get("BENCH_SCAN_ROWS", "200000"))
BATCH = 1000
ROUNDS = 10  # an even number: half the rounds with the bare table first
PER_SAMPLE = 5  # batches timed together: the kernel counts a process's CPU in steps of 10 ms
BARE = "scans_bare (code_id, scanned_at, client_hash, user_agent_family)"


def _clients(count: int) -> list[str]:
    return [f"{random.getrandbits(256):064x}" for _ in range(count)]


def _batch(code_id: int, clients: list[str]) -> list[PendingScan]:
    now = dt.datetime.now(dt.UTC)
    return [PendingScan(code_id, now, clients[i % len(clients)], "Chrome") for i in range(BATCH)]


class DatabaseClock:
    """CPU seconds used by the database: its server process on PostgreSQL, this process on SQLite."""

    def __init__(self, session: Session):
        self.pid = None
        if session.get_bind().dialect.name == "postgresql":
            self.pid = session.execute(text("SELECT pg_backend_pid()")).scalar()

    def __call__(self) -> float:
        if self.pid is None:
            return time.process_time()
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fill(session: Session, lots: list[int]) -> None:
    """ROWS scans of the lot codes over the last 30 days, by 20,000 clients, in one statement."""
    clients = _clients(20_000)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    rows = [
        PendingScan(
            random.choice(lots), start + dt.timedelta(seconds=i * 2_592_000 / ROWS), random.choice(clients), "Chrome"
        )
        for i in range(ROWS)
    ]
    _insert(session, rows)
    session.commit()


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_demo(session)
        session.commit()
        lots = list(session.scalars(select(Code.id).where(Code.kind == CodeKind.LOT)))
        unit = session.scalars(select(Code.id).where(Code.kind == CodeKind.SERIAL)).first()
        _fill(session, lots)
        if engine.dialect.name == "postgresql":
            session.execute(text("CREATE TABLE scans_bare (LIKE scans INCLUDING DEFAULTS)"))
        else:
            session.execute(text(f"CREATE TABLE {BARE}"))
        session.commit()
        with engine.connect() as conn:  # the planner's figures for the filled table, as autovacuum would make them
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        clock = DatabaseClock(session)
        kinds = {
            "lot code, 1,000 clients": lambda: _batch(lots[0], _clients(BATCH)),
            "lot code, one client": lambda: _batch(lots[0], _clients(1)),
            "unit code, 1,000 new clients": lambda: _batch(unit, _clients(BATCH)),
        }
        targets = [("bare", functools.partial(_insert, into=BARE)), ("scans", _insert)]  # the writer's own statement
        took: dict[tuple[str, str], list[float]] = {}
        for turn in range(ROUNDS):
            for kind, make in kinds.items():
                for target, write in targets if turn % 2 == 0 else reversed(targets):
                    batches = [make() for _ in range(PER_SAMPLE)]
                    started = clock()
                    for rows in batches:
                        write(session, rows)
                        session.commit()
                    took.setdefault((kind, target), []).append((clock() - started) * 1000 / PER_SAMPLE)
    engine.dispose()
    what = "PostgreSQL's CPU" if engine.dialect.name == "postgresql" else "CPU (SQLite, in process)"
    print(f"bench_scan_writes: batches of {BATCH:,} scans into a table of {ROWS:,}, median {what} per batch")
    print(f"{'batch':<30} {'bare table':>10} {'scans':>10} {'ratio':>7}")
    for kind in kinds:
        bare, real = (statistics.median(took[(kind, t)]) for t in ("bare", "scans"))
        print(f"{kind:<30} {bare:7.1f} ms {real:7.1f} ms {real / bare:6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
