"""Fixtures of the interop tests: batches with a recorded history, the EPCIS schema validator."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import func, select

from traceability.accounts.models import Role
from traceability.batches.models import Batch, ChemicalApplication, Event, EventType

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def epcis_validator() -> Draft7Validator:
    """The official EPCIS 2.0 schema, with format checking on (date-time, uri …)."""
    schema = json.loads((DATA / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def add_event(db_session):
    """Record an event on a batch, at a Việt Nam time on 1 October 2026 unless told otherwise."""

    def _add(batch, kind: EventType | str, hour: int = 8, day: dt.date = dt.date(2026, 10, 1), **values) -> Event:
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))
        event = Event(batch=batch, type=EventType(kind), occurred_at=moment, **values)
        db_session.add(event)
        db_session.flush()
        return event

    return _add


@pytest.fixture
def tea_chain(make_org, make_product, make_site, make_batch):
    """Fresh leaves from two growing areas, withered and rolled into one lot of dried tea, packed in two lots."""
    org = make_org()
    leaves = make_product(org, name="Chè búp tươi", unit="kg", gtin="08936012345018")
    dried = make_product(org, name="Chè Tân Cương sấy khô", unit="kg")
    hill_a = make_site(org, name="Đồi chè Tân Cương A", area_code="VN-TNTC-0001")
    hill_b = make_site(org, name="Đồi chè Tân Cương B", area_code="VN-TNTC-0002")
    factory = make_site(org, name="Xưởng chế biến", kind="processing", area_code=None)
    leaf_a = make_batch(org, product=leaves, site=hill_a, lot_code="TC-A-01", quantity=Decimal(400))
    leaf_b = make_batch(org, product=leaves, site=hill_b, lot_code="TC-B-01", quantity=Decimal(250))
    tea = make_batch(
        org,
        product=dried,
        site=factory,
        lot_code="CHE-2026-10",
        quantity=Decimal("130.5"),
        inputs=[(leaf_a, 400), (leaf_b, 250)],
        produced_on=dt.date(2026, 10, 3),
    )
    pack_1 = make_batch(org, product=dried, site=factory, lot_code="HOP-01", quantity=Decimal(60), inputs=[(tea, 60)])
    pack_2 = make_batch(org, product=dried, site=factory, lot_code="HOP-02", quantity=Decimal(70), inputs=[(tea, 70)])
    return {
        "org": org,
        "leaf_a": leaf_a,
        "leaf_b": leaf_b,
        "tea": tea,
        "pack_1": pack_1,
        "pack_2": pack_2,
        "factory": factory,
        "hill_a": hill_a,
    }


@pytest.fixture
def api_for(db_session, make_user, api_as):
    """An API client for a new user of that role (and organisation); what the test made so far is committed,
    since each request ends its session."""

    def _api(role: Role | str, org=None):
        client = api_as(make_user(Role(role), org))
        db_session.commit()
        return client

    return _api


@pytest.fixture
def page_for(db_session, make_user, app):
    """A signed-in browser-like client for a new user of that role (and organisation)."""
    from ..conftest import login

    def _client(role: Role | str, org=None):
        user = make_user(Role(role), org)
        db_session.commit()
        client = app.test_client()
        login(client, user)
        return client

    return _client


@pytest.fixture
def farm(db_session, make_org, make_product, make_site):
    """An organisation with a product (name and GTIN) and a site (name and area code). Fipronil is banned by the
    shipped list that `db upgrade` loads."""
    org = make_org()
    make_product(org, name="Chè xanh", gtin="08936012345001")
    make_site(org, name="Đồi chè A", area_code="VN-TNTC-0001")
    db_session.flush()
    return org


@pytest.fixture
def counts(db_session):
    """(batches, chemical applications) in the database, to show a refused import wrote nothing."""

    def _counts() -> tuple[int, int]:
        return (
            db_session.scalar(select(func.count()).select_from(Batch)),
            db_session.scalar(select(func.count()).select_from(ChemicalApplication)),
        )

    return _counts
