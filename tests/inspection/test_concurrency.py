"""A recall racing a publish on PostgreSQL: the batch row lock keeps either from losing the other's change.

These tests commit on their own connections (a rolled-back savepoint cannot show what another transaction
sees) and remove what they made afterwards. SQLite has a single writer, so there is no race to test there.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User
from traceability.batches.models import Batch, BatchStatus
from traceability.db import utcnow
from traceability.inspection import services
from traceability.registry.models import Product

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"), reason="row locks: PostgreSQL only"
)

INSPECTOR = User(role=Role.INSPECTOR, email="race@example.org", full_name="Thanh tra")


@pytest.fixture
def committed_batch(engine) -> Iterator[int]:
    with Session(engine) as session:
        org = Organization(
            name="HTX Đua",
            kind=OrgKind.COOPERATIVE,
            tax_code="4699999901",
            province="Thái Nguyên",
            commune="Tân Cương",
            address="Xóm 1",
            status=OrgStatus.VERIFIED,
        )
        product = Product(organization=org, name="Chè", category_code="tea", unit="kg")
        batch = Batch(organization=org, product=product, lot_code="RACE-1", quantity=Decimal(1), unit="kg")
        session.add(batch)
        session.commit()
        ids = (batch.id, product.id, org.id)
    yield ids[0]
    with Session(engine) as session:  # through the ORM, so the audit records the deletions (audit verify)
        for model, key in zip((Batch, Product, Organization), ids, strict=True):
            session.delete(session.get(model, key))
            session.flush()
        session.commit()


def _status(engine, batch_id: int) -> BatchStatus:
    with Session(engine) as session:
        return session.get(Batch, batch_id).status


def test_a_recall_waits_for_a_publish_in_progress_and_then_recalls(app, engine, committed_batch):
    inspector_session = Session(engine)
    stale = inspector_session.get(Batch, committed_batch)  # the inspector opened the page while it was a draft
    assert stale.status == BatchStatus.DRAFT
    inspector_session.commit()

    publisher = Session(engine)
    batch = publisher.scalar(select(Batch).where(Batch.id == committed_batch).with_for_update())
    batch.status, batch.published_at = BatchStatus.PUBLISHED, utcnow()
    publisher.flush()

    outcome: dict = {}

    def recall() -> None:
        with app.app_context():
            try:
                services.recall_batch(inspector_session, INSPECTOR, stale, "Dư lượng vượt ngưỡng")
                inspector_session.commit()
                outcome["done"] = True
            except Exception as exc:  # reported by the assertion below
                inspector_session.rollback()
                outcome["error"] = exc

    worker = threading.Thread(target=recall)
    with app.app_context():
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the recall must wait for the publish's row lock"
        publisher.commit()
        worker.join(timeout=10)
    publisher.close()
    inspector_session.close()
    assert outcome == {"done": True}
    assert _status(engine, committed_batch) == BatchStatus.RECALLED


def test_a_publish_cannot_slip_in_while_a_recall_is_being_saved(app, engine, committed_batch):
    with Session(engine) as setup:
        setup.get(Batch, committed_batch).status = BatchStatus.PUBLISHED
        setup.commit()

    inspector_session = Session(engine)
    with app.app_context():
        services.recall_batch(inspector_session, INSPECTOR, inspector_session.get(Batch, committed_batch), "Mẫu hỏng")

    publisher = Session(engine)
    publisher.execute(text("SET LOCAL lock_timeout = '300ms'"))
    with pytest.raises(OperationalError, match="lock"):
        publisher.scalar(select(Batch).where(Batch.id == committed_batch).with_for_update())
    publisher.rollback()

    inspector_session.commit()
    inspector_session.close()
    # once the recall is saved, a publish that locks the row sees it and has nothing to publish
    fresh = publisher.scalar(select(Batch).where(Batch.id == committed_batch).with_for_update())
    assert fresh.status == BatchStatus.RECALLED
    publisher.rollback()
    publisher.close()
