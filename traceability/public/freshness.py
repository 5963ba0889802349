"""The page's validator (ETag and Last-Modified), cheap enough to compute on every scan.

It covers everything the page shows: the code, the batch with its product, producer and origin rows, the
number and newest time of the batch's records (events, chemicals, lab tests, amendments, inspections,
certifications), the status of every input upstream that is suspended or recalled, and today's date (expiry,
certificate validity). A status change, an amendment or an input's recall therefore changes it at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from traceability.batches.genealogy import ancestors
from traceability.batches.models import Amendment, Batch, BatchStatus, ChemicalApplication, Event, LabTest
from traceability.codes.models import Code
from traceability.inspection.models import Inspection
from traceability.registry.models import Certification

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_VERSION = "1"  # bump when the page's layout or JSON shape changes


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


@dataclass
class Freshness:
    etag: str
    last_modified: dt.datetime
    today: dt.date
    flagged_ancestors: list[Batch] = field(default_factory=list)  # suspended or recalled, nearest first
    depth: dict[int, int] = field(default_factory=dict)


def _row(obj: object | None) -> tuple:
    if obj is None:
        return ()
    values = (getattr(obj, column.key) for column in obj.__table__.columns)
    # 100 and 100.000 are one quantity: the same row must give the same validator however it was loaded
    return tuple(v.normalize() if isinstance(v, Decimal) else v for v in values)


def _records(batch: Batch) -> list:
    """count and newest created_at of each kind of record the page shows, in one statement."""
    sources = [
        (Amendment, Amendment.batch_id == batch.id),
        (Event, Event.batch_id == batch.id),
        (ChemicalApplication, ChemicalApplication.batch_id == batch.id),
        (LabTest, LabTest.batch_id == batch.id),
        (
            Inspection,
            or_(
                Inspection.batch_id == batch.id,
                Inspection.site_id == batch.site_id,
                Inspection.organization_id == batch.organization_id,
            ),
        ),
        (Certification, Certification.organization_id == batch.organization_id),
    ]
    columns = []
    for model, where in sources:
        columns.append(select(func.count(model.id)).where(where).scalar_subquery())
        columns.append(select(func.max(model.created_at)).where(where).scalar_subquery())
    return columns


def freshness(session: Session, code: Code, representation: str, locale: str) -> Freshness:
    batch = code.batch
    today = local_today()
    records = list(session.execute(select(*_records(batch))).one())
    depth = ancestors(session, batch.id)
    flagged: list[Batch] = []
    if depth:
        flagged = list(
            session.scalars(
                select(Batch)
                .options(joinedload(Batch.product))
                .where(Batch.id.in_(depth), Batch.status.in_([BatchStatus.SUSPENDED, BatchStatus.RECALLED]))
            )
        )
        flagged.sort(key=lambda b: (depth[b.id], b.id))
    parts = (
        PAGE_VERSION,
        representation,
        locale,
        today,
        _row(code),
        _row(batch),
        _row(batch.product),
        _row(batch.organization),
        _row(batch.site),
        tuple(records),
        tuple((b.id, b.status, b.status_reason, b.status_changed_at) for b in flagged),
    )
    etag = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    times = [
        batch.updated_at,
        batch.status_changed_at,
        batch.published_at,
        code.created_at,
        code.revoked_at,
        batch.organization.status_changed_at,
        *records[1::2],
        *(b.status_changed_at for b in flagged),
    ]
    if batch.expires_on is not None and batch.expires_on < today:
        expiry = dt.datetime.combine(batch.expires_on + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
        times.append(expiry)
    last_modified = max(_aware(t) for t in times if t is not None)
    return Freshness(etag=etag, last_modified=last_modified, today=today, flagged_ancestors=flagged, depth=depth)


def _aware(value: dt.datetime | str) -> dt.datetime:
    # aggregates bypass the column type on SQLite and come back as text
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
