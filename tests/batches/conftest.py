import datetime as dt

import pytest

from traceability.reference.services import load_substances

from ..registry.conftest import producer, web  # noqa: F401  (the same signed-in producer)


@pytest.fixture
def substances(db_session):
    load_substances(db_session)


@pytest.fixture
def spray():
    """A chemical application as the API takes it."""

    def _spray(**values):
        data = {
            "applied_on": "2026-09-20",
            "trade_name": "Actara 25WG",
            "active_ingredient": "Thiamethoxam 25%",
            "registration_no": "VN-123",
            "purpose": "insecticide",
            "dose": "2",
            "dose_unit": "g/bình 16 l",
            "phi_days": 7,
        }
        data.update(values)
        return data

    return _spray


HARVEST = dt.date(2026, 10, 1)
