"""Fixtures of the consumer's page: a published batch with its records, and settings a test may change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from traceability.batches.models import BatchStatus, ChemicalApplication, ChemicalPurpose, Event, EventType
from traceability.codes.identifiers import new_code
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import lot_code_for
from traceability.db import utcnow


@pytest.fixture
def published(db_session, make_batch, make_product, make_org):
    """A published batch (of a product with `gtin=` if given), committed; returns (batch, its lot code)."""

    def _make(**values: Any):
        org = values.pop("org", None) or make_org()
        product = values.pop("product", None) or make_product(org, gtin=values.pop("gtin", None))
        batch = make_batch(org, product=product, status=values.pop("status", BatchStatus.PUBLISHED), **values)
        code = lot_code_for(db_session, batch)
        db_session.commit()  # a request ends its session, which would roll back what was only flushed
        return batch, code

    return _make


@pytest.fixture
def set_status(db_session):
    """Suspend or recall a batch as an inspector would (status, reason, time), committed."""

    def _set(batch, status: BatchStatus, reason: str):
        batch = db_session.merge(batch)  # a request in between closed the session the test had loaded it in
        batch.status, batch.status_reason, batch.status_changed_at = status, reason, utcnow()
        db_session.commit()

    return _set


@pytest.fixture
def serial_code(db_session):
    def _make(batch) -> Code:
        code = Code(value=new_code(), batch_id=batch.id, kind=CodeKind.SERIAL)
        db_session.add(code)
        db_session.commit()
        return code

    return _make


@pytest.fixture
def with_records(db_session):
    """Add a harvesting stage and a spraying that respected its 7-day waiting time."""

    def _add(batch):
        db_session.add(
            Event(
                batch_id=batch.id,
                type=EventType.HARVESTING,
                occurred_at=dt.datetime(2026, 10, 1, 1, 30, tzinfo=dt.UTC),
                site_id=batch.site_id,
                note="Hái tay 1 tôm 2 lá",
            )
        )
        db_session.add(
            ChemicalApplication(
                batch_id=batch.id,
                applied_on=dt.date(2026, 9, 20),
                trade_name="Reasgant 3.6EC",
                active_ingredient="Abamectin",
                purpose=ChemicalPurpose.INSECTICIDE,
                dose=Decimal("0.3"),
                dose_unit="l/ha",
                phi_days=7,
            )
        )
        db_session.commit()
        return batch

    return _add
