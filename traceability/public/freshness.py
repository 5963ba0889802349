"""The page's validator (ETag and Last-Modified), cheap enough to compute on every scan.

It covers everything the page shows: the probe's rows (the code, the batch with its product, producer and
origin, and the number and newest time of the batch's records: events, chemicals, lab tests, amendments,
inspections, certifications), the status of every input upstream that is suspended or recalled, and today's
date (expiry, certificate validity). A status change, an amendment or an input's recall changes it at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload

from traceability.batches.models import Batch
from traceability.public.probe import Probe

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


# The inputs upstream, at any depth, that are suspended or recalled: {batch_id: depth}. The same walk as
# batches.genealogy.ancestors, written out so the common case (nothing flagged) costs one small statement.
_FLAGGED_UPSTREAM = text(
    """
    WITH RECURSIVE upstream(id, depth) AS (
      SELECT input_batch_id, 1 FROM batch_inputs WHERE batch_id = :batch
      UNION
      SELECT batch_inputs.input_batch_id, upstream.depth + 1
      FROM batch_inputs JOIN upstream ON batch_inputs.batch_id = upstream.id
      WHERE upstream.depth < 1000
    )
    SELECT batches.id, min(upstream.depth)
    FROM upstream JOIN batches ON batches.id = upstream.id
    WHERE batches.status IN ('suspended', 'recalled')
    GROUP BY batches.id
    """
)


def freshness(session: Session, found: Probe, representation: str, locale: str) -> Freshness:
    today = local_today()
    depth = dict(session.execute(_FLAGGED_UPSTREAM, {"batch": found.batch_id}).all()) if found.input_count else {}
    flagged: list[Batch] = []
    if depth:  # rare: load the flagged inputs themselves, for the warnings
        flagged = list(session.scalars(select(Batch).options(joinedload(Batch.product)).where(Batch.id.in_(depth))))
        flagged.sort(key=lambda b: (depth[b.id], b.id))
    parts = (
        PAGE_VERSION,
        representation,
        locale,
        today,
        found.fingerprint,
        tuple((b.id, b.status, b.status_reason, b.status_changed_at) for b in flagged),
    )
    etag = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    times = [*found.times, *(b.status_changed_at for b in flagged if b.status_changed_at)]
    if found.expires_on is not None and found.expires_on < today:
        times.append(dt.datetime.combine(found.expires_on + dt.timedelta(days=1), dt.time(), LOCAL_TZ))
    return Freshness(etag=etag, last_modified=max(times), today=today, flagged_ancestors=flagged)
