"""Benchmark of the chain across organisations on PostgreSQL, each against a baseline measured in the same run.

- trace: the whole tree of a lot in a 1,000,000-batch graph whose chains cross 5 organisations (households'
  deliveries at a cooperative → its processed lots → a trader's received blends → a packer → two shops), as an
  inspector (everything) and as the packer (its suppliers' published lots, one step forward). Goal ≤ 50 ms median.
- recall reach: every batch and organisation downstream of a lot with 1,000 downstream batches in 20
  organisations (`inspection.services.affected_by` and `shipments.services.affected_organisations`, what a
  recall computes). Goal ≤ 500 ms median.

Baseline: an indexed lookup of one lot by its lot code. Runs alone: `.venv/bin/python scripts/bench_chain.py` (or
`make bench`). Uses its own database `bench_chain` on 127.0.0.1 (BENCH_PG_URL to change the server), dropped at the
end; BENCH_CHAINS (default 1000, 1,000 batches each) sizes the graph.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_interop import admin, copy_rows, summary, timed
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from traceability import (
    db,
    migrate,
    models,  # noqa: F401  (the whole schema)
)
from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User
from traceability.audit.services import set_actor
from traceability.batches.models import Batch
from traceability.inspection.services import affected_by
from traceability.interop.trace import batch_trace
from traceability.registry.models import Product, Site
from traceability.shipments.services import affected_organisations

SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = "bench_chain"
CHAINS = int(os.environ.get("BENCH_CHAINS", "1000"))
# (count, inputs per batch from the layer before, organisation index): 640 deliveries → 160 dried lots at the
# cooperative → 40 trader blends → 10 packer lots → 150 shop packs (two shops)
LAYERS = [(640, None, 0), (160, 4, 0), (40, 4, 1), (10, 4, 2)]
PACKS_PER_FINAL = 15
RECALL_FAN = (20, 7, 6)  # root → 20 received lots (one per organisation) → 7 each → 6 each: 1,000 downstream
COLUMNS = (
    "id, organization_id, product_id, site_id, lot_code, quantity, unit, harvested_on, status, created_at, updated_at"
)
NOW = "2026-11-01 00:00:00+00"
random.seed(11)


def make_orgs(session: Session, count: int, stem: str) -> list[tuple[int, int, int]]:
    """(organization id, product id, site id) of `count` verified organisations."""
    found = []
    for i in range(count):
        org = Organization(
            name=f"{stem} {i}",
            kind=OrgKind.COOPERATIVE if i == 0 else OrgKind.ENTERPRISE,
            tax_code=f"46{abs(hash(stem)) % 1000:03d}{i:05d}",
            province="Thái Nguyên",
            commune="Tân Cương",
            address="Xóm 1",
            status=OrgStatus.VERIFIED,
        )
        product = Product(organization=org, name="Chè xanh", category_code="tea", unit="kg")
        site = Site(organization=org, kind="warehouse", name="Kho", province="Thái Nguyên", commune="Tân Cương")
        session.add_all([org, product, site])
        session.flush()
        found.append((org.id, product.id, site.id))
    session.commit()
    return found


def _row(batch_id: int, org: tuple[int, int, int], lot: str, quantity: int = 100) -> str:
    org_id, product_id, site_id = org
    return (
        f"{batch_id}\t{org_id}\t{product_id}\t{site_id}\t{lot}\t{quantity}\tkg\t2026-10-01\tpublished\t{NOW}\t{NOW}\n"
    )


def build(session: Session, chain_orgs: list, recall_orgs: list) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {"delivery": [], "packer": [], "pack": [], "root": []}
    rows: list[str] = []
    edges: list[str] = []
    next_id = 1
    for chain in range(CHAINS):
        previous: list[int] = []
        for depth, (count, fan_in, org_index) in enumerate(LAYERS):
            layer = list(range(next_id, next_id + count))
            next_id += count
            for i, batch_id in enumerate(layer):
                rows.append(_row(batch_id, chain_orgs[org_index], f"C{chain}-L{depth}-{i}"))
                for source in previous[i * fan_in : (i + 1) * fan_in] if fan_in else ():
                    edges.append(f"{batch_id}\t{source}\t25\n")
            previous = layer
            if depth == 0:
                ids["delivery"].extend(layer)
        ids["packer"].extend(previous)
        for i, final in enumerate(previous):
            for p in range(PACKS_PER_FINAL):
                shop = chain_orgs[3 + p % 2]
                rows.append(_row(next_id, shop, f"C{chain}-P{i}-{p}", 6))
                edges.append(f"{next_id}\t{final}\t6\n")
                ids["pack"].append(next_id)
                next_id += 1
    # the recall graph: a root lot whose 1,000 descendants are spread over 20 organisations
    root = next_id
    next_id += 1
    rows.append(_row(root, recall_orgs[0], "ROOT"))
    ids["root"].append(root)
    first, second, third = RECALL_FAN
    for o in range(first):
        org = recall_orgs[1 + o]
        received = next_id
        next_id += 1
        rows.append(_row(received, org, "ROOT"))
        edges.append(f"{received}\t{root}\t1\n")
        for a in range(second):
            mid = next_id
            next_id += 1
            rows.append(_row(mid, org, f"M{a}"))
            edges.append(f"{mid}\t{received}\t1\n")
            for b in range(third):
                rows.append(_row(next_id, org, f"M{a}-{b}"))
                edges.append(f"{next_id}\t{mid}\t1\n")
                next_id += 1
    tables = ("batches", "batch_inputs")
    indexes = session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) AND indexname LIKE 'ix_%'"),
        {"t": list(tables)},
    ).all()
    for name, _definition in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    session.execute(text("SET session_replication_role = replica"))
    copy_rows(session, "batches", COLUMNS, iter(rows))
    copy_rows(session, "batch_inputs", "batch_id, input_batch_id, quantity", iter(edges))
    session.execute(text("SET session_replication_role = DEFAULT"))
    for _name, definition in indexes:
        session.execute(text(definition))
    session.execute(text("SELECT setval('batches_id_seq', (SELECT max(id) FROM batches))"))
    session.execute(text("ANALYZE"))
    session.commit()
    return ids


def bench(session: Session, ids: dict[str, list[int]], packer_org: int) -> tuple[bool, bool]:
    inspector = User(role=Role.INSPECTOR, email="bench@example.org", full_name="bench", password_hash="-")  # noqa: S106
    packer = User(role=Role.PRODUCER, email="p@example.org", full_name="p", organization_id=packer_org)
    lots = session.execute(select(Batch.organization_id, Batch.lot_code).where(Batch.id.in_(ids["packer"][:50]))).all()

    def lookup() -> None:
        org_id, lot = random.choice(lots)
        session.execute(select(Batch.id).where(Batch.organization_id == org_id, Batch.lot_code == lot)).one()

    def trace(user: User) -> Callable[[], None]:
        def run() -> None:
            session.expire_all()
            assert batch_trace(session, user, random.choice(ids["packer"]), "both")

        return run

    root = session.get(Batch, ids["root"][0])

    def reach() -> None:
        session.expire_all()
        assert len(affected_by(session, root)) == 1000
        assert len(affected_organisations(session, root)) == 20

    sample = ids["packer"][0]
    orgs = session.scalar(
        text(
            "WITH RECURSIVE up(id) AS (SELECT CAST(:id AS integer) UNION SELECT input_batch_id FROM batch_inputs "
            "JOIN up ON batch_inputs.batch_id = up.id), down(id) AS (SELECT CAST(:id AS integer) UNION "
            "SELECT batch_id FROM batch_inputs JOIN down ON batch_inputs.input_batch_id = down.id) "
            "SELECT count(DISTINCT organization_id) FROM batches "
            "WHERE id IN (SELECT id FROM up UNION SELECT id FROM down)"
        ),
        {"id": sample},
    )
    size = len(batch_trace(session, inspector, sample, "both"))
    print(
        f"on {session.scalar(text('SELECT count(*) FROM batches')):,} batches, "
        f"{session.scalar(text('SELECT count(*) FROM batch_inputs')):,} edges:"
    )
    base = summary("baseline: indexed lookup of one lot", timed(lookup))
    whole = summary(f"whole chain, inspector ({size} rows, {orgs} orgs)", timed(trace(inspector)))
    own = summary("whole chain, as the packer (visibility rules)", timed(trace(packer)))
    recall = summary("recall reach: 1,000 batches in 20 orgs", timed(reach, 20))
    print(
        f"  ratios to the lookup: inspector {whole / base:.1f}×, packer {own / base:.1f}×, recall {recall / base:.1f}×"
    )
    trace_ok, recall_ok = max(whole, own) <= 50, recall <= 500
    print(f"  goal whole-chain trace ≤ 50 ms: {'met' if trace_ok else 'NOT met'} ({max(whole, own):.1f} ms)")
    print(f"  goal recall reach ≤ 500 ms: {'met' if recall_ok else 'NOT met'} ({recall:.1f} ms)")
    return trace_ok, recall_ok


def main() -> int:
    started = time.perf_counter()
    admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin(f"CREATE DATABASE {DB_NAME}")
    engine = db.make_engine(f"{SERVER}/{DB_NAME}")
    try:
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            set_actor(label="bench")
            chain_orgs = make_orgs(session, 5, "Chuỗi")
            recall_orgs = make_orgs(session, 21, "Thu hồi")
            t0 = time.perf_counter()
            ids = build(session, chain_orgs, recall_orgs)
            print(f"graph built with COPY in {time.perf_counter() - t0:.1f} s")
            trace_ok, recall_ok = bench(session, ids, chain_orgs[2][0])
    finally:
        engine.dispose()
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps the database, to look at query plans
            admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    print(f"bench_chain done in {time.perf_counter() - started:.0f} s ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    print(f"goals: trace {'met' if trace_ok else 'NOT met'}, recall reach {'met' if recall_ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
