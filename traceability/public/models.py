"""Consumer reports: a problem seen on a product, with a receipt to follow it up."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.accounts.models import User
from traceability.batches.models import Batch
from traceability.codes.models import Code
from traceability.db import Base, choice, utcnow
from traceability.storage import STORED_FILE


class ReportKind(enum.StrEnum):
    SUSPECTED_FAKE = "suspected_fake"
    QUALITY = "quality"
    LABELLING = "labelling"
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class ConsumerReport(Base):
    __tablename__ = "consumer_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(16), unique=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(choice(ReportKind, "kind"))
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    photo_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE, active_history=True)
    status: Mapped[ReportStatus] = mapped_column(choice(ReportStatus, "status"), default=ReportStatus.NEW)
    reply: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the agency whose queue the report is in (inspection/scope.py: agency_for); none: the provincial queue
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    client_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    code: Mapped[Code | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    handled_by: Mapped[User | None] = relationship()


class ScanCount(Base):
    """A unit code's scans, counted as they are written: the consumer page reads one row instead of counting.

    Kept by the database itself (a trigger on `scans`: migrations `scan_counts`, `scan_counts_per_statement` on
    PostgreSQL, `scan_clients`), in the transaction that inserts the scan, whoever inserts it. `client_count` is
    the number of distinct client hashes, the code's rows in `scan_clients`.
    """

    __tablename__ = "scan_counts"
    __audit__ = False  # follows the scans, which are not audited either

    code_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True
    )
    scan_count: Mapped[int]
    client_count: Mapped[int]
    first_scanned_at: Mapped[dt.datetime]


class ScanClient(Base):
    """A client (`scans.client_hash`) that scanned a unit code, kept by the same trigger as `ScanCount`: a scan
    whose client is not here yet adds one to the code's `client_count`. A table of unit codes' clients rather
    than an index of every scan's: lot codes, most scans, have no client count to keep."""

    __tablename__ = "scan_clients"
    __audit__ = False  # follows the scans, which are not audited either

    code_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True
    )
    client_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class ScanBatch(Base):
    """A batch of queued scans that was written (`public/scans.py`, with REDIS_URL), inserted in the same
    transaction as its scans. A writer that finds a batch left in Redis by a crashed writer knows from this row
    whether its scans are in the database already, so no scan is written twice. Rows are deleted soon after
    the batch leaves Redis."""

    __tablename__ = "scan_batches"
    __audit__ = False  # bookkeeping of the scan writer, like the scans

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
