"""Several processes issuing unit codes at once never produce a duplicate, and each gets all it asked for.

Runs on PostgreSQL when TEST_DATABASE_URL is set, on SQLite otherwise, in a database of its own: the processes
must see committed rows, which the usual rolled-back test transaction would hide from them.
"""

from __future__ import annotations

import multiprocessing
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import issue_lot_code, issue_serial_codes
from traceability.demo import load_demo

from ..conftest import reset_postgres, scratch_database_url
from .issuing_worker import issue

pytestmark = pytest.mark.no_db
PROCESSES, PER_PROCESS = 4, 3000


def _prepare(url: str) -> tuple[int, int, list[str]]:
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    migrate.upgrade(engine)
    with Session(engine) as session:
        demo = load_demo(session)  # the demo tea cooperative, its producer and its GTIN product
        org, user, product = demo.orgs["tea"], demo.users["tea"], demo.products["dried_tea"]
        batches = [
            Batch(
                organization=org,
                product=product,
                lot_code=lot,
                quantity=Decimal(1),
                unit="kg",
                status=BatchStatus.PUBLISHED,
            )
            for lot in ("L-OLD", "L-NEW")
        ]
        session.add_all(batches)
        session.flush()
        for batch in batches:
            issue_lot_code(session, batch)
        taken = issue_serial_codes(session, batches[0], 40, user)  # values the workers will draw again
        session.commit()
        ids = batches[1].id, user.id
    engine.dispose()
    return *ids, taken


def test_concurrent_processes_never_issue_a_duplicate():
    url = scratch_database_url("_concurrency")
    batch_id, user_id, taken = _prepare(url)
    start_at = time.time() + 3  # after every process has started and connected
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(PROCESSES) as pool:
        results = pool.starmap(issue, [(url, batch_id, user_id, PER_PROCESS, taken, start_at)] * PROCESSES)

    assert [len(r) for r in results] == [PER_PROCESS] * PROCESSES  # nobody fell short or failed
    everything = [code for result in results for code in result]
    assert len(set(everything)) == PROCESSES * PER_PROCESS
    assert not set(everything) & set(taken)  # the forced collisions were drawn again, not reused
    engine = db.make_engine(url)
    with Session(engine) as session:
        in_batch = session.scalar(select(func.count()).where(Code.batch_id == batch_id, Code.kind == CodeKind.SERIAL))
        duplicates = session.scalar(
            select(func.count()).select_from(
                select(Code.value).group_by(Code.value).having(func.count() > 1).subquery()
            )
        )
    engine.dispose()
    assert in_batch == PROCESSES * PER_PROCESS
    assert duplicates == 0
