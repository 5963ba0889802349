"""Demo step: unit codes for the demo's published batches, so the codes page and label sheets have something to show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.audit.services import record as audit
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.identifiers import check_character
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import code_summary, issue_lot_code, issue_serial_codes

if TYPE_CHECKING:
    from traceability.demo import DemoContext

DEMO_UNIT_CODES = 24  # one sheet of 3 × 8 labels
# the start page's example, a unit code of the demo's first tea batch, so whoever types it sees a real page
EXAMPLE_BODY = "TEA02026TC01"
EXAMPLE_CODE = EXAMPLE_BODY + check_character(EXAMPLE_BODY)


def load(session: Session, ctx: DemoContext) -> None:
    """Idempotent: tops each published batch of the demo producers up to one sheet of unit codes."""
    user = ctx.users.get("tea")
    if user is None:
        return
    batches = session.scalars(
        select(Batch)
        .where(Batch.organization_id == user.organization_id, Batch.status == BatchStatus.PUBLISHED)
        .order_by(Batch.id)
    )
    for batch in batches.all():
        issue_lot_code(session, batch)
        if session.scalar(select(Code.id).where(Code.value == EXAMPLE_CODE)) is None:
            session.add(Code(value=EXAMPLE_CODE, batch_id=batch.id, kind=CodeKind.SERIAL))
            session.flush()
            # issued like any run of unit codes, so the audit's count of the batch's codes agrees
            after = {"kind": "serial", "count": 1, "first": EXAMPLE_CODE, "last": EXAMPLE_CODE}
            audit(session, "issue_codes", Batch.__tablename__, batch.id, after=after)
        have = code_summary(session, batch)["issued"]
        if have < DEMO_UNIT_CODES:
            issue_serial_codes(session, batch, DEMO_UNIT_CODES - have, user)
