"""Run in a separate process by test_concurrency: issue unit codes for one batch, like one app server would."""

from __future__ import annotations

import time
from collections.abc import Iterator

from sqlalchemy.orm import Session

from traceability import db
from traceability.accounts.models import User
from traceability.batches.models import Batch
from traceability.codes import identifiers, services


def issue(url: str, batch_id: int, user_id: int, count: int, taken: list[str], start_at: float) -> list[str]:
    """Issue `count` codes, drawing the already-taken values first (a forced collision), starting at `start_at`."""
    draws: Iterator[str] = iter(taken)
    services.new_code = lambda: next(draws, None) or identifiers.new_code()
    engine = db.make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        batch, user = session.get(Batch, batch_id), session.get(User, user_id)
        # End the read: SQLite (WAL) cannot turn a read transaction into a write once another process has
        # committed since it began ("database is locked" at once, whatever the timeout); a fresh transaction
        # whose first statement writes waits for the lock instead.
        session.commit()
        time.sleep(max(0.0, start_at - time.time()))  # all processes begin together
        db.write_intent.set(True)  # as a POST to the app does: the checks read before the insert writes
        codes = services.issue_serial_codes(session, batch, count, user)
        session.commit()
    engine.dispose()
    return codes
