from sqlalchemy import func, select

from traceability.batches.models import Batch, BatchStatus, PublishAttempt
from traceability.demo import load_demo


def test_demo_batches_are_published_with_their_records_and_load_once(db_session):
    ctx = load_demo(db_session)
    load_demo(db_session)  # a second run adds nothing
    tea = ctx.extra["dried_tea_batch"]
    assert tea.status == BatchStatus.PUBLISHED and tea.product.gtin == "08936012345001"
    assert len(tea.inputs) == 2 and tea.lab_tests
    for leaf in (edge.input_batch for edge in tea.inputs):
        assert "fertilizing" in {e.type.value for e in leaf.events}
        assert "spraying" not in {e.type.value for e in leaf.events}  # the insecticide application is the spraying
        assert {c.purpose.value for c in leaf.chemicals} == {"insecticide", "fertilizer"}
    assert ctx.extra["pork_batch"].status == BatchStatus.PUBLISHED
    # 4 here; the chain demo (shipments) adds 2 deliveries, a dried lot made of them (published through the
    # services) and 2 received lots
    assert db_session.scalar(select(func.count()).select_from(Batch)) == 9
    assert db_session.scalar(select(func.count()).select_from(PublishAttempt)) == 5
