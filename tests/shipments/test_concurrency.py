"""Concurrent shipments and receipts on PostgreSQL never overdraw a lot: shipping locks the lot row, accepting
locks the shipment row, making a batch from inputs locks the input lots, and each re-reads what it checks after
taking its lock.

These tests commit on their own connections (a rolled-back savepoint cannot show what another transaction sees)
and remove what they made afterwards. SQLite has a single writer, so there is no race to test there.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User
from traceability.batches import services as batches
from traceability.batches.models import Batch, BatchInput, BatchStatus, Event
from traceability.codes.models import Code
from traceability.errors import Conflict, Invalid
from traceability.registry.models import Product
from traceability.shipments import services
from traceability.shipments.models import Shipment

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"), reason="row locks: PostgreSQL only"
)


def _org(n: int, name: str) -> Organization:
    return Organization(
        name=name,
        kind=OrgKind.COOPERATIVE,
        tax_code=f"469998{n:04d}",
        province="Thái Nguyên",
        commune="Tân Cương",
        address="Xóm 1",
        status=OrgStatus.VERIFIED,
    )


@pytest.fixture
def world(engine) -> Iterator[dict[str, int]]:
    with Session(engine) as session:
        orgs = [_org(1, "HTX Gửi"), _org(2, "Cửa hàng Một"), _org(3, "Cửa hàng Hai")]
        users = [
            User(
                email=f"race-ship-{i}@example.org",
                full_name="Người dùng",
                password_hash="-",
                role=Role.PRODUCER,
                organization=org,
            )
            for i, org in enumerate(orgs)
        ]
        product = Product(organization=orgs[0], name="Chè", category_code="tea", unit="kg")
        lot = Batch(
            organization=orgs[0],
            product=product,
            lot_code="RACE-SHIP",
            quantity=Decimal(10),
            unit="kg",
            harvested_on=dt.date(2026, 10, 1),
            status=BatchStatus.PUBLISHED,
        )
        session.add_all([*users, lot])
        session.commit()
        ids = {"lot": lot.id, "orgs": [o.id for o in orgs], "users": [u.id for u in users], "product": product.id}
    yield ids
    with Session(engine) as session:  # through the ORM, so the audit records the deletions (audit verify)
        orgs = ids["orgs"]
        batches = select(Batch.id).where(Batch.organization_id.in_(orgs))
        for query in (
            select(Shipment).where(Shipment.organization_id.in_(orgs)),
            select(Code).where(Code.batch_id.in_(batches)),
            select(BatchInput).where(BatchInput.batch_id.in_(batches)),
            select(Event).where(Event.batch_id.in_(batches)),
            select(Batch).where(Batch.organization_id.in_(orgs)),
            select(Product).where(Product.organization_id.in_(orgs)),
            select(User).where(User.organization_id.in_(orgs)),
            select(Organization).where(Organization.id.in_(orgs)),
        ):
            for row in session.scalars(query).all():
                session.delete(row)
            session.flush()
        session.commit()


def _ship(session: Session, user_id: int, lot_id: int, to_org_id: int, quantity: str) -> Shipment:
    user = session.get(User, user_id)
    to = session.get(Organization, to_org_id)
    return services.ship_lot(
        session,
        user,
        {
            "batch_id": lot_id,
            "to_tax_code": to.tax_code,
            "quantity": Decimal(quantity),
            "shipped_on": dt.date(2026, 10, 5),
            "reference_doc": f"PX-{to_org_id}",
        },
    )


def _race(app, first, second) -> dict:
    """`first` runs and holds its transaction open; `second` starts in a thread and must wait for first's lock;
    then first commits and second finishes. Returns second's outcome."""
    outcome: dict = {}

    def run() -> None:
        with app.app_context():
            try:
                outcome["result"] = second()
            except Exception as exc:  # reported by the caller's assertion
                outcome["error"] = exc

    worker = threading.Thread(target=run)
    with app.app_context():
        commit = first()
        worker.start()
        time.sleep(0.5)
        outcome["waited"] = worker.is_alive()
        commit()
        worker.join(timeout=10)
    return outcome


def test_the_same_remainder_shipped_twice_at_once_passes_only_once(app, engine, world):
    one, two = Session(engine), Session(engine)

    def first():
        _ship(one, world["users"][0], world["lot"], world["orgs"][1], "8")
        return one.commit

    def second():
        shipment = _ship(two, world["users"][0], world["lot"], world["orgs"][2], "8")
        two.commit()
        return shipment

    outcome = _race(app, first, second)
    one.close(), two.close()
    assert outcome["waited"], "the second shipment must wait for the lot's row lock"
    assert isinstance(outcome.get("error"), Invalid) and "quantity" in outcome["error"].errors
    with Session(engine) as session:
        shipped = session.scalars(select(Shipment.quantity).where(Shipment.batch_id == world["lot"])).all()
    assert shipped == [Decimal(8)]


def test_one_shipment_accepted_twice_at_once_makes_one_received_lot(app, engine, world):
    with Session(engine) as setup, app.app_context():
        shipment_id = _ship(setup, world["users"][0], world["lot"], world["orgs"][1], "6").id
        setup.commit()
    one, two = Session(engine), Session(engine)

    def accept(session):
        user = session.get(User, world["users"][1])
        return services.accept_shipment(
            session, user, session.get(Shipment, shipment_id), {"received_on": dt.date(2026, 10, 6)}
        )

    def first():
        accept(one)
        return one.commit

    def second():
        accept(two)
        two.commit()

    outcome = _race(app, first, second)
    one.close(), two.close()
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), Conflict)
    with Session(engine) as session:
        received = session.scalars(select(Batch).where(Batch.organization_id == world["orgs"][1])).all()
    assert [b.quantity for b in received] == [Decimal(6)]


def test_two_buyers_accepting_at_once_never_overdraw_the_lot(app, engine, world):
    with Session(engine) as setup, app.app_context():
        first_id = _ship(setup, world["users"][0], world["lot"], world["orgs"][1], "5").id
        second_id = _ship(setup, world["users"][0], world["lot"], world["orgs"][2], "5").id
        setup.commit()
    sessions = [Session(engine), Session(engine)]
    errors = []

    def accept(index: int, shipment_id: int) -> None:
        session = sessions[index]
        with app.app_context():
            try:
                user = session.get(User, world["users"][index + 1])
                services.accept_shipment(
                    session, user, session.get(Shipment, shipment_id), {"received_on": dt.date(2026, 10, 6)}
                )
                session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)

    threads = [
        threading.Thread(target=accept, args=(0, first_id)),
        threading.Thread(target=accept, args=(1, second_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    for session in sessions:
        session.close()
    assert errors == []
    with Session(engine) as session:
        lot = session.get(Batch, world["lot"])
        assert services.remaining(session, lot) == Decimal(0)
        # and nothing is left to ship
        with pytest.raises(Invalid), app.app_context():
            _ship(session, world["users"][0], world["lot"], world["orgs"][1], "0.001")
        session.rollback()


# ---- batches made from inputs lock the input lots too


@pytest.fixture
def unqueued(world, monkeypatch):
    """Without the audit chain's own lock, which also queues every writer: the input lots' row locks alone must
    keep the mass balance (the chain is switched back on before `world` removes its rows)."""
    from traceability.audit import services as audit

    monkeypatch.setattr(audit, "_append", lambda session, rows: None)


def _make(session: Session, world: dict, lot_code: str, quantity: str) -> Batch:
    user = session.get(User, world["users"][0])
    return batches.create_batch(
        session,
        user,
        {
            "product_id": world["product"],
            "lot_code": lot_code,
            "quantity": Decimal(quantity),
            "produced_on": dt.date(2026, 10, 3),
            "inputs": [{"batch_id": world["lot"], "quantity": Decimal(quantity)}],
        },
    )


def _used(engine, lot_id: int) -> list[Decimal]:
    with Session(engine) as session:
        return sorted(session.scalars(select(BatchInput.quantity).where(BatchInput.input_batch_id == lot_id)))


def test_two_batches_using_the_same_remainder_at_once_pass_only_once(app, engine, world, unqueued):
    one, two = Session(engine), Session(engine)

    def first():
        _make(one, world, "RACE-MADE-1", "8")
        return one.commit

    def second():
        made = _make(two, world, "RACE-MADE-2", "8")
        two.commit()
        return made

    outcome = _race(app, first, second)
    one.close(), two.close()
    assert outcome["waited"], "the second batch must wait for the input lot's row lock"
    assert isinstance(outcome.get("error"), Invalid) and "inputs" in outcome["error"].errors
    assert _used(engine, world["lot"]) == [Decimal(8)]


def test_a_batch_and_a_shipment_of_the_same_remainder_at_once_pass_only_once(app, engine, world, unqueued):
    one, two = Session(engine), Session(engine)

    def first():
        _make(one, world, "RACE-MADE-3", "7")
        return one.commit

    def second():
        shipment = _ship(two, world["users"][0], world["lot"], world["orgs"][1], "7")
        two.commit()
        return shipment

    outcome = _race(app, first, second)
    one.close(), two.close()
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), Invalid) and "quantity" in outcome["error"].errors
    with Session(engine) as session:
        assert session.scalars(select(Shipment).where(Shipment.batch_id == world["lot"])).all() == []
    assert _used(engine, world["lot"]) == [Decimal(7)]
