from sqlalchemy import func, select

from traceability.demo import load_demo
from traceability.inspection.models import Inspection


def test_the_demo_inspection_is_loaded_once(db_session):
    load_demo(db_session)
    load_demo(db_session)
    assert db_session.scalar(select(func.count()).select_from(Inspection)) == 1
