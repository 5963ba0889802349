"""The inspectors' queue: what needs a look besides consumer reports.

Copied-code suspects, refused publishes, certifications about to expire and organisations waiting for
verification. Each is a query over data other parts of the registry write; nothing is stored here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, OrgStatus
from traceability.batches.models import Batch, PublishAttempt
from traceability.codes.models import Code, CodeKind, Scan
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus
from traceability.registry.models import Certification

# A unit (serial) code belongs to one package: scans from this many different clients suggest copies.
# Lot codes are shared by every package of a batch, so many scans of them are normal.
COPY_SUSPECT_CLIENTS = 5
EXPIRY_WARNING_DAYS = 30
REFUSED_LOOKBACK_DAYS = 90
ALERT_LIMIT = 100


@dataclass
class CopySuspect:
    code: Code
    clients: int
    scans: int
    first_scanned_at: dt.datetime
    last_scanned_at: dt.datetime


@dataclass
class Alerts:
    copy_suspects: list[CopySuspect]
    refused_publishes: list[PublishAttempt]
    expiring_certifications: list[Certification]
    pending_organizations: list[Organization]

    @property
    def total(self) -> int:
        return (
            len(self.copy_suspects)
            + len(self.refused_publishes)
            + len(self.expiring_certifications)
            + len(self.pending_organizations)
        )


def copy_suspects(session: Session, min_clients: int = COPY_SUSPECT_CLIENTS) -> list[CopySuspect]:
    """Unit codes of live batches scanned from at least `min_clients` different clients."""
    clients = func.count(func.distinct(Scan.client_hash))
    rows = session.execute(
        select(Scan.code_id, clients, func.count(), func.min(Scan.scanned_at), func.max(Scan.scanned_at))
        .join(Code, Scan.code_id == Code.id)
        .where(Code.kind == CodeKind.SERIAL, Code.revoked_at.is_(None))
        .group_by(Scan.code_id)
        .having(clients >= min_clients)
        .order_by(clients.desc())
        .limit(ALERT_LIMIT)
    ).all()
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.id.in_([r[0] for r in rows])))}
    return [CopySuspect(codes[r[0]], r[1], r[2], r[3], r[4]) for r in rows]


def refused_publishes(session: Session, since: dt.datetime) -> list[PublishAttempt]:
    """Refused publish attempts since then, newest first (kept even if the batch was published later)."""
    return list(
        session.scalars(
            select(PublishAttempt)
            .join(Batch, PublishAttempt.batch_id == Batch.id)
            .where(PublishAttempt.is_accepted.is_(False), PublishAttempt.attempted_at >= since)
            .order_by(PublishAttempt.attempted_at.desc())
            .limit(ALERT_LIMIT)
        )
    )


def expiring_certifications(session: Session, today: dt.date, days: int = EXPIRY_WARNING_DAYS) -> list[Certification]:
    """Certifications whose validity ends within `days` from today (not those already expired)."""
    return list(
        session.scalars(
            select(Certification)
            .where(Certification.valid_to >= today, Certification.valid_to <= today + dt.timedelta(days=days))
            .order_by(Certification.valid_to)
            .limit(ALERT_LIMIT)
        )
    )


def pending_organizations(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.status == OrgStatus.PENDING)
            .order_by(Organization.created_at)
            .limit(ALERT_LIMIT)
        )
    )


def alerts(session: Session, now: dt.datetime, today: dt.date) -> Alerts:
    """Everything in the alert half of the queue."""
    return Alerts(
        copy_suspects=copy_suspects(session),
        refused_publishes=refused_publishes(session, now - dt.timedelta(days=REFUSED_LOOKBACK_DAYS)),
        expiring_certifications=expiring_certifications(session, today),
        pending_organizations=pending_organizations(session),
    )


def open_reports(session: Session, status: str | None = None, kind: str | None = None) -> list[ConsumerReport]:
    """Consumer reports to work: by default those not yet closed, oldest first (first come, first served)."""
    stmt = select(ConsumerReport)
    if status in {s.value for s in ReportStatus}:
        stmt = stmt.where(ConsumerReport.status == status)
    else:
        stmt = stmt.where(ConsumerReport.status.in_([ReportStatus.NEW, ReportStatus.IN_REVIEW]))
    if kind in {k.value for k in ReportKind}:
        stmt = stmt.where(ConsumerReport.kind == kind)
    return list(session.scalars(stmt.order_by(ConsumerReport.created_at, ConsumerReport.id).limit(200)))
