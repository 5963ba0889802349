"""One statement per scan: the code, its batch, product, producer and origin, and the counts of its records.

The consumer's page runs this on every scan, before anything else. It says whether the code may be shown,
where its page lives, and carries every value the page depends on (the whole rows, as the database returns
them), so the validator can be computed without loading a single ORM object. Only a cache miss loads more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from traceability.db import RawStatement

_SELECT = """
SELECT
  codes.id AS code_id, codes.value AS code_value, codes.kind AS code_kind,
  codes.revoked_at AS code_revoked_at, codes.revoked_reason AS code_revoked_reason,
  codes.created_at AS code_created_at,
  batches.id AS batch_id, batches.status AS batch_status, batches.lot_code AS lot_code,
  batches.expires_on AS expires_on, batches.updated_at AS batch_updated_at,
  batches.status_changed_at AS batch_status_changed_at, batches.published_at AS batch_published_at,
  products.gtin AS gtin, organizations.status_changed_at AS org_status_changed_at,
  (SELECT count(*) FROM batch_inputs WHERE batch_inputs.batch_id = batches.id) AS input_count,
  (SELECT count(*) FROM amendments WHERE amendments.batch_id = batches.id) AS amendments_count,
  (SELECT max(created_at) FROM amendments WHERE amendments.batch_id = batches.id) AS amendments_at,
  (SELECT count(*) FROM events WHERE events.batch_id = batches.id) AS events_count,
  (SELECT max(created_at) FROM events WHERE events.batch_id = batches.id) AS events_at,
  (SELECT count(*) FROM chemical_applications c WHERE c.batch_id = batches.id) AS chemicals_count,
  (SELECT max(created_at) FROM chemical_applications c WHERE c.batch_id = batches.id) AS chemicals_at,
  (SELECT count(*) FROM lab_tests WHERE lab_tests.batch_id = batches.id) AS lab_tests_count,
  (SELECT max(created_at) FROM lab_tests WHERE lab_tests.batch_id = batches.id) AS lab_tests_at,
  (SELECT count(*) FROM inspections i WHERE i.batch_id = batches.id OR i.site_id = batches.site_id
     OR i.organization_id = batches.organization_id) AS inspections_count,
  (SELECT max(created_at) FROM inspections i WHERE i.batch_id = batches.id OR i.site_id = batches.site_id
     OR i.organization_id = batches.organization_id) AS inspections_at,
  (SELECT count(*) FROM certifications WHERE certifications.organization_id = batches.organization_id)
     AS certifications_count,
  (SELECT max(created_at) FROM certifications WHERE certifications.organization_id = batches.organization_id)
     AS certifications_at,
  codes.*, batches.*, products.*, organizations.*, sites.*
FROM codes
JOIN batches ON batches.id = codes.batch_id
JOIN products ON products.id = batches.product_id
JOIN organizations ON organizations.id = batches.organization_id
LEFT JOIN sites ON sites.id = batches.site_id
WHERE """

# how a code is named: its value (/c/{code}), or a GS1 Digital Link's GTIN with a lot and/or serial number
_BY = {
    "value": RawStatement(_SELECT + "codes.value = :value"),
    "lot": RawStatement(_SELECT + "products.gtin = :gtin AND batches.lot_code = :lot AND codes.kind = 'lot'"),
    "serial": RawStatement(_SELECT + "codes.value = :value AND codes.kind = 'serial' AND products.gtin = :gtin"),
    "lot_serial": RawStatement(
        _SELECT + "codes.value = :value AND codes.kind = 'serial' AND products.gtin = :gtin AND batches.lot_code = :lot"
    ),
}
_RECORD_TIMES = (
    "amendments_at",
    "events_at",
    "chemicals_at",
    "lab_tests_at",
    "inspections_at",
    "certifications_at",
)


def as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    """A UTC timestamp from a raw row (SQLite answers text, PostgreSQL a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Probe:
    code_id: int
    value: str
    kind: str  # lot or serial
    is_revoked: bool
    revoked_reason: str | None
    batch_id: int
    batch_status: str
    lot_code: str
    gtin: str | None
    expires_on: dt.date | None
    input_count: int
    times: tuple[dt.datetime, ...]  # every moment the page's content changed at (for Last-Modified)
    fingerprint: tuple[Any, ...]  # every value the page depends on (for the ETag)


def probe(session: Session, by: str, **params: Any) -> Probe | None:
    cursor = _BY[by].execute(session, params)
    row = cursor.fetchone()
    cursor.close()
    if row is None:
        return None
    # column names repeat (codes.*, batches.*…): the first, named one is the one meant
    m: dict[str, Any] = {}
    for column, value in zip(cursor.description, row, strict=True):
        m.setdefault(column[0], value)
    expires_on = m["expires_on"]
    if isinstance(expires_on, str):
        expires_on = dt.date.fromisoformat(expires_on)
    moments = [
        m["code_created_at"],
        m["code_revoked_at"],
        m["batch_updated_at"],
        m["batch_status_changed_at"],
        m["batch_published_at"],
        m["org_status_changed_at"],
        *(m[name] for name in _RECORD_TIMES),
    ]
    return Probe(
        code_id=m["code_id"],
        value=m["code_value"],
        kind=m["code_kind"],
        is_revoked=m["code_revoked_at"] is not None,
        revoked_reason=m["code_revoked_reason"],
        batch_id=m["batch_id"],
        batch_status=m["batch_status"],
        lot_code=m["lot_code"],
        gtin=m["gtin"],
        expires_on=expires_on,
        input_count=m["input_count"],
        times=tuple(as_datetime(t) for t in moments if t is not None),
        fingerprint=tuple(row),
    )
