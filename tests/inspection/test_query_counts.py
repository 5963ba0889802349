"""The inspector's lists and the batch record cost the same few queries however many lines they show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus, PublishAttempt
from traceability.codes.models import Code, CodeKind, Scan
from traceability.db import utcnow
from traceability.inspection.figures import local_today
from traceability.inspection.models import Inspection, InspectionResult, InspectionSample
from traceability.registry.models import Certification


@contextmanager
def counted(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _pages(n, db_session, engine, make_org, make_user, make_batch, make_report, inspector, login_as) -> dict:
    """Queries per page with n batches made from one, each of another organisation, with a report, a refused
    publish, a copied-looking code, an expiring certification and an inspection of the first batch; then
    the first batch recalled."""
    root = make_batch(status=BatchStatus.PUBLISHED, lot_code="ROOT")
    for i in range(n):
        org = make_org(name=f"HTX {i}")
        make_user(Role.PRODUCER, org)
        child = make_batch(org, status=BatchStatus.PUBLISHED, lot_code=f"CHILD-{i}", inputs=[(root, 1)])
        make_report(child)
        db_session.add(PublishAttempt(batch_id=child.id, is_accepted=False, problems=["?"], attempted_at=utcnow()))
        db_session.add(
            Inspection(
                inspector=inspector,
                batch=root,
                organization=root.organization,
                result=InspectionResult.COMPLIANT,
                samples=[InspectionSample(sample_code=f"S-{i}")],
            )
        )
        code = Code(value=f"COPY{n}{i:08d}", batch_id=child.id, kind=CodeKind.SERIAL)
        db_session.add(code)
        db_session.flush()
        db_session.add_all(Scan(code_id=code.id, client_hash=f"phone-{j}", scanned_at=utcnow()) for j in range(25))
        soon = local_today() + dt.timedelta(days=5)
        db_session.add(
            Certification(
                organization=org, issuer="Sở NN", scheme="VietGAP", number=f"C{i}", valid_from=soon, valid_to=soon
            )
        )
    db_session.commit()
    client = login_as(inspector)
    counts = {}
    for name, path in (
        ("queue", "/inspect/queue"),
        ("batch", f"/inspect/batches/{root.id}"),
        ("find", "/inspect/find?q=CHILD"),
    ):
        with counted(engine) as statements:
            assert client.get(path).status_code == 200
        counts[name] = len(statements)
    client.post(f"/inspect/batches/{root.id}/status", data={"action": "recall", "reason": "Dư lượng vượt ngưỡng"})
    with counted(engine) as statements:
        assert client.get(f"/inspect/batches/{root.id}").status_code == 200
    counts["recalled batch"] = len(statements)
    return counts


def test_pages_do_not_query_once_per_line(
    db_session, engine, make_org, make_user, make_batch, make_report, inspector, login_as
):
    few = _pages(2, db_session, engine, make_org, make_user, make_batch, make_report, inspector, login_as)
    many = _pages(6, db_session, engine, make_org, make_user, make_batch, make_report, inspector, login_as)
    assert many == few
