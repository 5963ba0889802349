"""Demo step: unit codes for the demo's published batches, so the codes page and label sheets have something to show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.services import code_summary, issue_lot_code, issue_serial_codes

if TYPE_CHECKING:
    from traceability.demo import DemoContext

DEMO_UNIT_CODES = 24  # one sheet of 3 × 8 labels


def load(session: Session, ctx: DemoContext) -> None:
    """Idempotent: tops each published batch of the demo producers up to one sheet of unit codes."""
    user = ctx.users.get("tea")
    if user is None:
        return
    batches = session.scalars(
        select(Batch).where(Batch.organization_id == user.organization_id, Batch.status == BatchStatus.PUBLISHED)
    )
    for batch in batches:
        issue_lot_code(session, batch)
        have = code_summary(session, batch)["issued"]
        if have < DEMO_UNIT_CODES:
            issue_serial_codes(session, batch, DEMO_UNIT_CODES - have, user)
