"""The inspectors' queue: what needs a look besides consumer reports.

Copied-code suspects, refused publishes, certifications about to expire and organisations waiting for
verification. Each is a query over data other parts of the registry write; nothing is stored here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from traceability.accounts.models import Organization, OrgStatus
from traceability.batches.models import Batch, BatchStatus, PublishAttempt
from traceability.codes.copies import CopyThresholds
from traceability.codes.models import Code, CodeKind, Scan
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus
from traceability.registry.models import Certification

EXPIRY_WARNING_DAYS = 30
REFUSED_LOOKBACK_DAYS = 90
ALERT_LIMIT = 100
# the queue names each batch's product and producer: loaded with the rows, not one query per line
_BATCH_NAMES = (joinedload(Batch.product), joinedload(Batch.organization))
# Why a publish was refused, in the inspector's words, by the compliance rule (and field) that refused it: the
# producer was told what to fix, which is not what an inspector reading the queue needs to know
REFUSAL_REASONS: dict[str | tuple[str, str], Any] = {
    ("required", "site_id"): _l("no origin site given"),
    ("required", "harvested_on"): _l("no harvest or production date"),
    ("required", "quantity"): _l("no quantity given"),
    "date_order": _l("dates in an impossible order"),
    "pre_harvest_interval": _l("harvested before a chemical's pre-harvest interval had passed"),
    "banned_substance": _l("a banned substance recorded among the chemicals"),
    "certification_expired": _l("a claimed certificate not valid on the batch's date"),
    "cycle": _l("an input made from the batch itself"),
    "mass_balance": _l("more of an input lot used than it holds"),
    "input_withdrawn": _l("made from a suspended or recalled lot"),
    "reference_list_missing": _l("the list of banned substances was empty"),
}


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
    copy_thresholds: CopyThresholds  # the rule the suspects broke, and the window they were looked for in
    copy_window_days: int

    @staticmethod
    def reasons(attempt: PublishAttempt) -> list[str]:
        """Each reason once, in the inspector's words; a rule without its own wording keeps what was stored."""
        found: list[str] = []
        for problem in attempt.problems:
            problem = problem if isinstance(problem, dict) else {"message": str(problem)}
            rule, field = problem.get("rule", ""), problem.get("field", "")
            wording = REFUSAL_REASONS.get((rule, field)) or REFUSAL_REASONS.get(rule)
            text = str(wording) if wording is not None else problem.get("message", "")
            if text and text not in found:
                found.append(text)
        return found

    @property
    def total(self) -> int:
        return (
            len(self.copy_suspects)
            + len(self.refused_publishes)
            + len(self.expiring_certifications)
            + len(self.pending_organizations)
        )


def copy_suspects(
    session: Session, since: dt.datetime, thresholds: CopyThresholds, in_scope: Any = None
) -> list[CopySuspect]:
    """Live unit codes scanned since then whose scans break the copy rule; the most clients first.

    Only codes with a scan since `since` are looked at (the index on scans.scanned_at finds them), then every scan
    of those codes is counted (the index on scans(code_id, scanned_at)), and the client hashes are read only for
    codes with enough scans to break the rule: the cost follows recent activity, not the whole history, and the
    counts are the ones the consumer page shows for the code.
    """
    # no DISTINCT here: SQLite would then walk the whole (code_id, scanned_at) index for its order
    recent = select(Scan.code_id).where(Scan.scanned_at >= since)
    # a correlated count is one index probe per code on both databases; as a join PostgreSQL read the whole table
    earlier = aliased(Scan)
    scan_count = select(func.count()).where(earlier.code_id == Code.id).correlate(Code).scalar_subquery()
    busy = select(Code.id).where(
        Code.id.in_(recent),
        Code.kind == CodeKind.SERIAL,
        Code.revoked_at.is_(None),
        thresholds.reachable_in_sql(scan_count),
    )
    if in_scope is not None:  # an agency's view: the codes of its batches (scope.scope_filter)
        busy = busy.where(Code.batch_id.in_(select(Batch.id).where(in_scope)))
    clients, scans = func.count(func.distinct(Scan.client_hash)), func.count()
    rows = session.execute(
        select(Scan.code_id, clients, scans, func.min(Scan.scanned_at), func.max(Scan.scanned_at))
        .where(Scan.code_id.in_(busy))
        .group_by(Scan.code_id)
        .having(thresholds.exceeded_in_sql(clients))
        .order_by(clients.desc(), scans.desc(), Scan.code_id)
        .limit(ALERT_LIMIT)
    ).all()
    found = select(Code).where(Code.id.in_([r[0] for r in rows])).options(joinedload(Code.batch).options(*_BATCH_NAMES))
    codes = {c.id: c for c in session.scalars(found)}
    return [CopySuspect(codes[r[0]], r[1], r[2], r[3], r[4]) for r in rows]


def refused_publishes(session: Session, since: dt.datetime, in_scope: Any = None) -> list[PublishAttempt]:
    """Batches still unpublished whose last try to publish since then was refused, newest first: one line per
    batch, gone once the batch is published (its record keeps every attempt)."""
    later = aliased(PublishAttempt)
    superseded = exists().where(later.batch_id == PublishAttempt.batch_id, later.id > PublishAttempt.id)
    return list(
        session.scalars(
            select(PublishAttempt)
            .join(Batch, PublishAttempt.batch_id == Batch.id)
            .options(contains_eager(PublishAttempt.batch).options(*_BATCH_NAMES))
            .where(
                PublishAttempt.is_accepted.is_(False),
                PublishAttempt.attempted_at >= since,
                Batch.status == BatchStatus.DRAFT,
                ~superseded,
                *([] if in_scope is None else [in_scope]),
            )
            .order_by(PublishAttempt.attempted_at.desc())
            .limit(ALERT_LIMIT)
        )
    )


def expiring_certifications(session: Session, today: dt.date, days: int = EXPIRY_WARNING_DAYS) -> list[Certification]:
    """Certifications whose validity ends within `days` from today (not those already expired)."""
    return list(
        session.scalars(
            select(Certification)
            .options(joinedload(Certification.organization), joinedload(Certification.site))
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


def alerts(
    session: Session, now: dt.datetime, today: dt.date, config: Mapping[str, Any], in_scope: Any = None
) -> Alerts:
    """Everything in the alert half of the queue; the copied-code rule and its window come from the app's config.
    `in_scope` (scope.scope_filter) keeps the batch alerts of an agency's communes and categories; certificates and
    organisations waiting for verification stay province-wide."""
    thresholds, window_days = CopyThresholds.from_config(config), config["COPY_ALERT_WINDOW_DAYS"]
    return Alerts(
        copy_suspects=copy_suspects(session, now - dt.timedelta(days=window_days), thresholds, in_scope),
        refused_publishes=refused_publishes(session, now - dt.timedelta(days=REFUSED_LOOKBACK_DAYS), in_scope),
        expiring_certifications=expiring_certifications(session, today),
        pending_organizations=pending_organizations(session),
        copy_thresholds=thresholds,
        copy_window_days=window_days,
    )


ALL = object()  # reports of every agency and of the provincial queue


def _report_filter(status: str | None, kind: str | None, agency_id: Any = ALL) -> list[Any]:
    if status in {s.value for s in ReportStatus}:
        conditions = [ConsumerReport.status == status]
    else:
        conditions = [ConsumerReport.status.in_([ReportStatus.NEW, ReportStatus.IN_REVIEW])]
    if kind in {k.value for k in ReportKind}:
        conditions.append(ConsumerReport.kind == kind)
    if agency_id is not ALL:
        conditions.append(ConsumerReport.agency_id == agency_id if agency_id else ConsumerReport.agency_id.is_(None))
    return conditions


def open_reports(
    session: Session, status: str | None = None, kind: str | None = None, agency_id: Any = ALL
) -> list[ConsumerReport]:
    """Consumer reports to work: by default those not yet closed, oldest first (first come, first served); with
    `agency_id`, those routed to that agency (None: the provincial queue)."""
    return list(
        session.scalars(
            select(ConsumerReport)
            .where(*_report_filter(status, kind, agency_id))
            .options(joinedload(ConsumerReport.batch).options(*_BATCH_NAMES), joinedload(ConsumerReport.code))
            .order_by(ConsumerReport.created_at, ConsumerReport.id)
            .limit(200)
        )
    )


def count_open_reports(session: Session, agency_id: Any = ALL) -> int:
    """How many reports are not yet closed (the dashboard's tile), without loading them; `agency_id` as for
    `open_reports`."""
    conditions = _report_filter(None, None, agency_id)
    return session.scalar(select(func.count()).select_from(ConsumerReport).where(*conditions)) or 0
