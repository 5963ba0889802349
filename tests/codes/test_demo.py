from sqlalchemy import func, select

from traceability.codes.demo import DEMO_UNIT_CODES, load
from traceability.codes.models import Code, CodeKind
from traceability.demo import DemoContext


def test_demo_step_tops_published_batches_up_once(db_session, owner, make_batch):
    draft = make_batch(owner.org)
    ctx = DemoContext(users={"tea": owner.user})
    load(db_session, ctx)
    load(db_session, ctx)  # idempotent

    def serials(batch) -> int:
        return db_session.scalar(select(func.count()).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL))

    assert serials(owner.batch) == DEMO_UNIT_CODES
    assert serials(draft) == 0
